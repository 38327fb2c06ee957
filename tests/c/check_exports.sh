#!/usr/bin/env bash
# Checks what libcreditmeter.so exports (nm -D --defined-only): every symbol is a cm_* C
# function or demangles to the public C++ API (creditmeter::..., its vtables and typeinfo)
# outside creditmeter::detail and creditmeter::core; no std::, nlohmann:: or dependency symbol
# leaks; every fixed name of the C ABI is there.
#
#   tests/c/check_exports.sh <path/to/libcreditmeter.so>
set -euo pipefail

lib="${1:?usage: check_exports.sh <libcreditmeter.so>}"
[[ -f "$lib" ]] || { echo "check_exports: no such file: $lib" >&2; exit 1; }
command -v nm >/dev/null && command -v c++filt >/dev/null || { echo "check_exports: needs nm and c++filt (binutils)" >&2; exit 1; }

# "<type> <name>" of every defined dynamic symbol but the version nodes (type A).
symbols="$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u)"
[[ -n "$symbols" ]] || { echo "check_exports: $lib exports nothing" >&2; exit 1; }

bad=0
count=0
while IFS= read -r sym; do
  count=$((count + 1))
  case "$sym" in
    cm_*) continue ;;
  esac
  demangled="$(c++filt "$sym")"
  name="$demangled"
  for prefix in "vtable for " "typeinfo for " "typeinfo name for "; do
    name="${name#"$prefix"}"
  done
  case "$name" in
    creditmeter::detail::* | creditmeter::core::*) ;;
    creditmeter::*) continue ;;
  esac
  echo "check_exports: unexpected export: $sym ($demangled)" >&2
  bad=$((bad + 1))
done <<<"$symbols"

# The fixed C names (include/creditmeter/creditmeter.h, docs/INTEGRATION.md).
fixed=(cm_client_options_init cm_client_new cm_client_free cm_client_flush cm_session_options_init
  cm_client_start_session cm_session_frame cm_session_may_render cm_session_stop cm_session_id
  cm_session_free cm_status_str cm_version cm_last_error cm_session_pause cm_session_resume
  cm_session_get_state cm_session_get_reason cm_session_get_stats cm_session_set_state_callback
  cm_client_credit_summary cm_credit_summary_free
  cm_client_set_max_credits cm_client_estimate cm_client_usage_init cm_client_get_usage
  cm_session_set_balance_callbacks cm_session_set_max_credits cm_transport_complete cm_transport_fail
  cm_client_network_changed cm_last_error_http_status cm_last_error_retry_after_ms cm_last_error_code)
for name in "${fixed[@]}"; do
  grep -qx "$name" <<<"$symbols" || { echo "check_exports: missing export: $name" >&2; bad=$((bad + 1)); }
done
# And the public C++ API.
demangled_all="$(c++filt <<<"$symbols")"
for name in 'creditmeter::Client::start_session' 'creditmeter::Session::stats' 'typeinfo for creditmeter::AuthenticationError'; do
  grep -qF "$name" <<<"$demangled_all" || { echo "check_exports: missing export: $name" >&2; bad=$((bad + 1)); }
done

if [[ "$bad" -ne 0 ]]; then
  echo "check_exports: FAILED: $bad problem(s) in $count exported symbols of $lib" >&2
  exit 1
fi
echo "check_exports: OK: $count exported symbols of $lib, all cm_* or public creditmeter::"
