#!/usr/bin/env bash
# Checks the installed package the way a user consumes it: `cmake --install` the build into a
# temporary prefix, build tests/package (find_package(creditmeter) + creditmeter::creditmeter)
# against that prefix only, run it and check what it prints.
#
#   scripts/check-package.sh                  # uses build/ (run scripts/build.sh first)
#   BUILD_DIR=build-x scripts/check-package.sh
#   KEEP_PREFIX=1 scripts/check-package.sh    # keep the temporary prefix for inspection
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BUILD_DIR="$(cm_abs_build_dir "${BUILD_DIR:-build}")"
start="$(cm_now)"

[[ -f "$BUILD_DIR/CMakeCache.txt" ]] || cm_die package "$BUILD_DIR is not a configured build dir: run scripts/build.sh first"

cache_get() { # cache_get <VAR>: a value from the build's CMakeCache.txt ("" if unset)
  sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt" | head -n 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-package.XXXXXX")"
if [[ "${KEEP_PREFIX:-0}" == 1 ]]; then
  trap 'cm_log package "kept $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
prefix="$work/prefix"
consumer_build="$work/consumer"

# 1. Install.
cm_log package "install $BUILD_DIR into a temporary prefix"
cmake --install "$BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  cm_die package "cmake --install failed"
}
config="$(find "$prefix" -name creditmeterConfig.cmake -print -quit)"
[[ -n "$config" ]] || cm_die package "no creditmeterConfig.cmake under the prefix"
[[ -f "$prefix/include/creditmeter/creditmeter.hpp" ]] || cm_die package "headers not installed"
[[ -f "$prefix/include/creditmeter/version.h" ]] || cm_die package "generated version.h not installed"
# The package must be relocatable: no path into the source or build tree.
if grep -rlF -e "$CM_ROOT/" -e "$BUILD_DIR" "$(dirname "$config")" >/dev/null 2>&1; then
  grep -rnF -e "$CM_ROOT/" -e "$BUILD_DIR" "$(dirname "$config")" >&2 || true
  cm_die package "the installed CMake package refers to the source or build tree"
fi

# 2. Build the consumer against the prefix only. A sanitizer build's static library needs the
# same runtime in the consumer's link.
flags=""
[[ "$(cache_get CREDITMETER_ASAN)" == ON ]] && flags="-fsanitize=address,undefined"
[[ "$(cache_get CREDITMETER_TSAN)" == ON ]] && flags="-fsanitize=thread"
compiler="$(cache_get CMAKE_CXX_COMPILER)"
cm_log package "configure + build tests/package against the prefix"
{
  cmake -S "$CM_ROOT/tests/package" -B "$consumer_build" \
    -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_BUILD_TYPE=Release \
    ${compiler:+-DCMAKE_CXX_COMPILER="$compiler"} \
    ${flags:+-DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags"} &&
  cmake --build "$consumer_build" -j "$(cm_jobs)"
} >"$work/consumer.log" 2>&1 || {
  cat "$work/consumer.log" >&2
  cm_die package "the consumer project does not build against the installed package"
}
found_dir="$(sed -n 's/^creditmeter_DIR:[A-Z]*=//p' "$consumer_build/CMakeCache.txt")"
case "$found_dir" in
  "$prefix"/*) ;;
  *) cm_die package "find_package found creditmeter in '$found_dir', not in the temporary prefix" ;;
esac

# 3. Run it and check its output.
version="$(cache_get CMAKE_PROJECT_VERSION)"
output="$("$consumer_build/app" 2>&1)" || {
  printf '%s\n' "$output" >&2
  cm_die package "the consumer program failed"
}
printf '%s\n' "$output" | sed 's/^/    /'
grep -qxF "creditmeter-package-check version=$version may_render=1" <<<"$output" ||
  cm_die package "unexpected output (wanted version=$version may_render=1)"
grep -qxF "creditmeter-package-check OK" <<<"$output" || cm_die package "no OK line"

# ---------------------------------------------------------------------------------------
# LATER (shared library + pkg-config): when the build installs libcreditmeter.so and
# creditmeter.pc, extend here:
#   - configure a second build dir with -DBUILD_SHARED_LIBS=ON, install it, build the
#     consumer against it and run it with the prefix's lib dir only (no LD_LIBRARY_PATH into
#     the build tree); check `readelf -d app` has NEEDED libcreditmeter.so.<major>;
#   - the block below already compiles main.cpp through pkg-config once a .pc file exists.
# ---------------------------------------------------------------------------------------
pc="$(find "$prefix" -name creditmeter.pc -print -quit)"
if [[ -n "$pc" ]]; then
  cm_log package "pkg-config: build main.cpp with \$(pkg-config --cflags --libs creditmeter)"
  pc_flags="$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags --libs --static creditmeter)" ||
    cm_die package "pkg-config cannot resolve creditmeter.pc"
  # shellcheck disable=SC2086 # pkg-config output is deliberately word-split
  "${compiler:-c++}" -std=c++17 $flags "$CM_ROOT/tests/package/main.cpp" -o "$work/app-pc" $pc_flags ||
    cm_die package "main.cpp does not build with the pkg-config flags"
  LD_LIBRARY_PATH="$(dirname "$(dirname "$pc")")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/app-pc" |
    grep -qxF "creditmeter-package-check OK" || cm_die package "the pkg-config build failed to run"
fi

cm_log package "OK: find_package(creditmeter $version) builds and runs ($(cm_elapsed "$start"))"
