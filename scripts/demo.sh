#!/usr/bin/env bash
# The demo of the README: installs what is missing, builds the emulator and the demo program,
# starts creditmeter-emulator on a free loopback port and runs the timeline demo against it
# (an avatar session metered, paused and resumed live; the emulator is stopped on exit).
#
#   scripts/demo.sh [demo args...]      # extra arguments go to the demo program
#
# Environment: BUILD_DIR (default build/), BUILD_TYPE (default RelWithDebInfo),
# CREDITMETER_SKIP_DEPS=1 skips scripts/install-deps.sh, DEMO_TIMEOUT (seconds, default 120).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BUILD_DIR="$(cm_abs_build_dir "${BUILD_DIR:-build}")"
export BUILD_DIR
DEMO_TIMEOUT="${DEMO_TIMEOUT:-120}"
EMULATOR="$BUILD_DIR/tools/emulator/creditmeter-emulator"
# The demo program: examples/timeline_demo, or tools/demo/timeline_demo where it lives today.
DEMO_CANDIDATES=("$BUILD_DIR/examples/timeline_demo" "$BUILD_DIR/tools/demo/timeline_demo")

# The demo talks to 127.0.0.1 only: never through a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

start="$(cm_now)"
if [[ "${CREDITMETER_SKIP_DEPS:-0}" != 1 ]]; then
  "$CM_ROOT/scripts/install-deps.sh"
fi
# Only what the demo needs, quietly (progress lines only; errors are shown on failure).
BUILD_QUIET=1 BUILD_TARGETS="creditmeter-emulator timeline_demo creditmeter_cli" "$CM_ROOT/scripts/build.sh"
CLI="$BUILD_DIR/tools/cli/creditmeter"

[[ -x "$EMULATOR" ]] || cm_die demo "$EMULATOR was not built"
DEMO=""
for candidate in "${DEMO_CANDIDATES[@]}"; do
  if [[ -x "$candidate" ]]; then
    DEMO="$candidate"
    break
  fi
done
if [[ -z "$DEMO" ]]; then
  cm_die demo "demo program not built yet: none of ${DEMO_CANDIDATES[*]} exists"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-demo.XXXXXX")"
emulator_pid=""
cleanup() {
  if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The demo's journal lives and dies with this run.
export XDG_STATE_HOME="$work/state"

port_file="$work/port"
"$EMULATOR" --host 127.0.0.1 --port 0 --port-file "$port_file" >"$work/emulator.log" 2>&1 &
emulator_pid=$!

# Wait for the port file (the emulator writes it atomically once it listens).
deadline=$((SECONDS + 15))
port=""
while [[ -z "$port" ]]; do
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    cat "$work/emulator.log" >&2
    cm_die demo "the emulator exited before it listened"
  fi
  if [[ -s "$port_file" ]]; then
    port="$(tr -d '[:space:]' <"$port_file")"
    [[ "$port" =~ ^[0-9]+$ ]] || port=""
  fi
  if [[ -z "$port" ]]; then
    ((SECONDS < deadline)) || cm_die demo "the emulator wrote no port file within 15 s"
    sleep 0.05
  fi
done
base_url="http://127.0.0.1:$port"
cm_log demo "emulator listening on $base_url (ready $(cm_elapsed "$start") after start)"

cm_log demo "running $(basename "$DEMO") --base-url $base_url${*:+ $*}"
set +e
timeout --foreground -k 5 "$DEMO_TIMEOUT" "$DEMO" --base-url "$base_url" "$@"
rc=$?
set -e
if [[ $rc -eq 124 ]]; then
  cm_die demo "the demo did not finish within ${DEMO_TIMEOUT}s"
elif [[ $rc -ne 0 ]]; then
  echo "--- emulator log (tail) ---" >&2
  tail -n 20 "$work/emulator.log" >&2
  cm_die demo "the demo failed (exit $rc)"
fi

# The same product from the command line: the `creditmeter` CLI on a fresh account.
if [[ -x "$CLI" ]]; then
  export CREDITMETER_BASE_URL="$base_url"
  export CREDITMETER_API_SECRET="sk_demo_cli_$$"
  curl -sf --noproxy '*' -X POST "$base_url/admin/accounts" -H 'Content-Type: application/json' \
    -d "{\"api_secret\":\"$CREDITMETER_API_SECRET\",\"plan\":\"creator\",\"balance\":20}" >/dev/null ||
    cm_die demo "cannot create the CLI demo account"
  cm_log demo "creditmeter balance"
  "$CLI" balance
  cm_log demo "creditmeter simulate --model expression --surface cloud --duration 3s --fps 25"
  "$CLI" simulate --model expression --surface cloud --duration 3s --fps 25 --interval 1s ||
    cm_die demo "creditmeter simulate failed"
fi
cm_log demo "done ($(cm_elapsed "$start") in all)"
