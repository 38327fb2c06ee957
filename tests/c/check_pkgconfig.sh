#!/usr/bin/env bash
# Checks the installed C ABI the way a build without CMake uses it: `cmake --install` into a
# temporary prefix, then against that prefix only:
#   1. libcreditmeter.so exports only cm_* and the public creditmeter:: API (check_exports.sh),
#      and its SONAME is libcreditmeter.so.<major>;
#   2. examples/c_client.c compiles (C11, -Wall -Wextra -pedantic -Werror) with
#      $(pkg-config --cflags --libs creditmeter), needs libcreditmeter.so.<major>, and runs
#      against an emulator (run_with_emulator.sh);
#   3. the installed module map builds with clang -fmodules (check_module.sh; skipped without clang).
#
#   tests/c/check_pkgconfig.sh <build dir> [<creditmeter-emulator>]
set -euo pipefail

build_dir="$(cd "${1:?usage: check_pkgconfig.sh <build dir> [<emulator>]}" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [[ -n "${2:-}" ]]; then export CREDITMETER_EMULATOR="$2"; fi
cc="${CC:-cc}"

work="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-pc.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2; echo "check_pkgconfig: cmake --install failed" >&2; exit 1; }
pc="$(find "$prefix" -name creditmeter.pc -print -quit)"
[[ -n "$pc" ]] || { echo "check_pkgconfig: no creditmeter.pc installed" >&2; exit 1; }
libdir="$(dirname "$(dirname "$pc")")"
lib="$(find "$libdir" -maxdepth 1 -name 'libcreditmeter.so.*.*' -print -quit)"
[[ -n "$lib" ]] || { echo "check_pkgconfig: no libcreditmeter.so.X.Y installed in $libdir" >&2; exit 1; }

# 1. Exports and SONAME.
"$here/check_exports.sh" "$lib"
major="$(sed -n 's/^#define CREDITMETER_VERSION_MAJOR //p' "$prefix/include/creditmeter/version.h")"
soname="$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[[ "$soname" == "libcreditmeter.so.$major" ]] || {
  echo "check_pkgconfig: SONAME is '$soname', expected libcreditmeter.so.$major" >&2; exit 1; }

# 2. pkg-config build of the C example, against the prefix only.
export PKG_CONFIG_PATH="$(dirname "$pc")"
flags="$(pkg-config --cflags --libs creditmeter)"
echo "check_pkgconfig: pkg-config --cflags --libs creditmeter: $flags"
[[ "$(pkg-config --modversion creditmeter)" == "$(sed -n 's/^#define CREDITMETER_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/creditmeter/version.h")" ]] || {
  echo "check_pkgconfig: pkg-config --modversion disagrees with version.h" >&2; exit 1; }
# shellcheck disable=SC2086 # pkg-config output is deliberately word-split
"$cc" -std=c11 -Wall -Wextra -pedantic -Werror "$root/examples/c_client.c" -o "$work/c_client" $flags
readelf -d "$work/c_client" | grep -q "NEEDED.*\[libcreditmeter.so.$major\]" || {
  echo "check_pkgconfig: c_client does not need libcreditmeter.so.$major" >&2; exit 1; }
LD_LIBRARY_PATH="$libdir" "$root/examples/run_with_emulator.sh" "$work/c_client" --duration 1.5

# 3. The installed module map.
"$here/check_module.sh" "$prefix/include" "$work" || {
  rc=$?
  [[ $rc -eq 77 ]] || exit "$rc"
}

echo "check_pkgconfig: OK: the installed C ABI builds with pkg-config, exports only its API, and runs"
