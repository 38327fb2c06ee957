#!/usr/bin/env bash
# Proves that the CreditMeter clang module (include/creditmeter/module.modulemap) builds and
# imports, the way Swift's `import CreditMeter` uses it: clang -fmodules compiles a C file
# that #includes the header (turned into a module import) and an Objective-C file that does
# `@import CreditMeter;`. Exits 77 (ctest: skipped) when clang is not installed.
#
#   tests/c/check_module.sh <include dir holding creditmeter/module.modulemap + version.h> <work dir>
set -euo pipefail

include_dir="${1:?usage: check_module.sh <include dir> <work dir>}"
work="${2:?usage: check_module.sh <include dir> <work dir>}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
clang="${CLANG:-$(command -v clang || true)}"
if [[ -z "$clang" ]]; then
  echo "check_module: SKIPPED: clang not found (Debian: apt-get install clang)"
  exit 77
fi

modulemap="$include_dir/creditmeter/module.modulemap"
[[ -f "$modulemap" ]] || { echo "check_module: no $modulemap" >&2; exit 1; }
rm -rf "$work/module-cache"
mkdir -p "$work/module-cache"
flags=(-fmodules -fmodules-cache-path="$work/module-cache" -fmodule-map-file="$modulemap" -I"$include_dir"
  -fsyntax-only -Wall -Wextra -Werror -Rmodule-build)

"$clang" "${flags[@]}" -std=c11 -pedantic "$here/module_test.c" 2>"$work/module-c.log" || {
  cat "$work/module-c.log" >&2; echo "check_module: FAILED: C with -fmodules" >&2; exit 1; }
grep -q "building module 'CreditMeter'" "$work/module-c.log" || {
  cat "$work/module-c.log" >&2; echo "check_module: FAILED: the #include did not go through the module" >&2; exit 1; }

"$clang" "${flags[@]}" -x objective-c "$here/module_test.m" 2>"$work/module-objc.log" || {
  cat "$work/module-objc.log" >&2; echo "check_module: FAILED: Objective-C @import CreditMeter" >&2; exit 1; }

echo "check_module: OK: module CreditMeter builds and imports ($("$clang" --version | head -n 1))"
