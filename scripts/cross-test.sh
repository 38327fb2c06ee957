#!/usr/bin/env bash
# Cross-builds creditmeter for ARM Linux (glibc) with Debian's cross compilers and runs its
# unit and C ABI tests under qemu-user, against the emulator built and run natively on
# 127.0.0.1. Proves the library builds and passes its tests on ARM's atomics, alignment and
# (armhf) 32-bit long; not Android's Bionic libc nor an NDK build (docs/BUILDING.md).
#
#   scripts/cross-test.sh aarch64                # 64-bit ARM: build-cross-aarch64/
#   scripts/cross-test.sh armhf                  # 32-bit ARMv7 hard float: build-cross-armhf/
#   scripts/cross-test.sh armhf --integration    # also the integration suite (slow, by hand)
#
# Steps (each prints its time): deps (scripts/install-deps.sh, then the cross compiler,
# qemu-user and the target's multiarch -dev packages: a fast no-op when present), emulator
# (native: reuses build/ when it is configured with the tools, else a minimal
# build-native-emulator/), configure + build (one reusable cross tree per arch: library, unit
# and C ABI tests only), ctest (labels unit and c; with --integration also integration).
#
# Environment: BUILD_DIR (default build-cross-<arch>), NATIVE_BUILD_DIR (the native tree for
# the emulator), BUILD_TYPE (RelWithDebInfo), CMAKE_ARGS (extra cross configure arguments),
# JOBS, CTEST_JOBS (2), CTEST_TIMEOUT (300), CTEST_ARGS, CREDITMETER_SKIP_DEPS=1.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

arch=""
integration=0
for arg in "$@"; do
  case "$arg" in
    aarch64|arm64) arch=aarch64 ;;
    armhf|arm) arch=armhf ;;
    --integration) integration=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) cm_die cross "unknown argument: $arg (try --help)" ;;
  esac
done
[[ -n "$arch" ]] || cm_die cross "which architecture? aarch64 or armhf (try --help)"

case "$arch" in
  aarch64) triple=aarch64-linux-gnu; dpkg_arch=arm64; qemu=qemu-aarch64 ;;
  armhf) triple=arm-linux-gnueabihf; dpkg_arch=armhf; qemu=qemu-arm ;;
esac
toolchain="$CM_ROOT/cmake/toolchains/$triple.cmake"
BUILD_DIR="$(cm_abs_build_dir "${BUILD_DIR:-build-cross-$arch}")"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
CTEST_JOBS="${CTEST_JOBS:-2}"
CTEST_TIMEOUT="${CTEST_TIMEOUT:-300}"
jobs="$(cm_jobs)"

# Host packages (the cross compiler brings its binutils and the target's libc/libstdc++ to
# link against under /usr/<triple>) and the target's libraries: libcurl and OpenSSL for the
# library, cpp-httplib for the tests' HTTP helper, libstdc++ to run (with the multiarch libc
# they bring: cmake/toolchains/debian-multiarch.cmake says why not /usr/<triple>'s).
# nlohmann-json3-dev and catch2 are architecture-independent (Multi-Arch: foreign):
# scripts/install-deps.sh installs them.
HOST_PACKAGES=("g++-$triple" qemu-user)
TARGET_PACKAGES=("libcurl4-openssl-dev:$dpkg_arch" "libssl-dev:$dpkg_arch" "libcpp-httplib-dev:$dpkg_arch"
                 "libstdc++6:$dpkg_arch")

# The cross tree builds only what runs under qemu: the library and the unit and C ABI tests.
CROSS_ARGS=(-DCREDITMETER_BUILD_TOOLS=OFF -DCREDITMETER_BUILD_EXAMPLES=OFF
            -DCREDITMETER_BUILD_PYTHON=OFF -DCREDITMETER_BUILD_BENCHMARKS=OFF
            -DCREDITMETER_BUILD_JAVA=OFF)
# Built: every target of these test folders (and what they link), so a test program added
# there is cross-built without a change here.
CROSS_DIRS=(tests/unit tests/c)
LABELS='^(unit|c)$'
if [[ $integration -eq 1 ]]; then
  CROSS_DIRS+=(tests/integration)
  LABELS='^(unit|c|integration)$'
fi

summary=()
total_start="$(cm_now)"
# step <name> <command...>: runs one step, records its time; a failure ends the run.
step() {
  local name="$1" start rc
  shift
  start="$(cm_now)"
  cm_log cross "step $name"
  set +e
  "$@"
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    summary+=("$(printf '%-10s FAILED  (%s, exit %d)' "$name" "$(cm_elapsed "$start")" "$rc")")
    finish 1
  fi
  summary+=("$(printf '%-10s ok      (%s)' "$name" "$(cm_elapsed "$start")")")
  cm_log cross "step $name done ($(cm_elapsed "$start"))"
}

finish() {
  printf '\n'
  cm_log cross "summary ($arch, $BUILD_TYPE, $BUILD_DIR):"
  printf '    %s\n' "${summary[@]}"
  if [[ "$1" -eq 0 ]]; then
    cm_log cross "PASSED in $(cm_elapsed "$total_start")"
  else
    cm_log cross "FAILED in $(cm_elapsed "$total_start")"
  fi
  exit "$1"
}

installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }

# shellcheck disable=SC2317 # called through step()
install_cross_deps() {
  "$CM_ROOT/scripts/install-deps.sh" || return 1
  local missing=() pkg need_update=0
  for pkg in "${HOST_PACKAGES[@]}" "${TARGET_PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    cm_log cross "cross packages present: ${HOST_PACKAGES[*]} ${TARGET_PACKAGES[*]}"
    return 0
  fi
  cm_log cross "missing: ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 \
      || cm_die cross "not root and no sudo: run as root: dpkg --add-architecture $dpkg_arch; apt-get update; apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
             -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 -q)
  # The target's packages come from the same Debian mirror as multiarch (foreign) packages:
  # dpkg must know the architecture and apt must have its package lists.
  if ! dpkg --print-foreign-architectures | grep -qx "$dpkg_arch"; then
    cm_log cross "dpkg --add-architecture $dpkg_arch"
    "${sudo[@]}" dpkg --add-architecture "$dpkg_arch"
    need_update=1
  fi
  compgen -G "/var/lib/apt/lists/*_binary-${dpkg_arch}_Packages*" >/dev/null || need_update=1
  if [[ $need_update -eq 1 ]]; then
    cm_log cross "apt-get update"
    "${apt[@]}" update >/dev/null
  fi
  cm_log cross "apt-get install ${missing[*]}"
  if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null; then
    # Stale lists give 404s, or the host's libcurl/libssl moved past the lists' version.
    cm_log cross "install failed; refreshing package lists and retrying once"
    "${apt[@]}" update >/dev/null
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
  for pkg in "${missing[@]}"; do
    installed "$pkg" || cm_die cross "still missing after install: $pkg"
  done
}

# The native emulator: the one in build/ (CI's scripts/test.sh has just built it, so this is
# an up-to-date check) when that tree is configured with the tools, else a tree of its own
# with nothing but the emulator. NATIVE_BUILD_DIR picks the tree.
native_dir=""
if [[ -n "${NATIVE_BUILD_DIR:-}" ]]; then
  native_dir="$(cm_abs_build_dir "$NATIVE_BUILD_DIR")"
elif [[ -f "$CM_ROOT/build/CMakeCache.txt" ]] && grep -q '^CREDITMETER_BUILD_TOOLS:BOOL=ON' "$CM_ROOT/build/CMakeCache.txt"; then
  native_dir="$CM_ROOT/build"
else
  native_dir="$CM_ROOT/build-native-emulator"
fi
emulator="$native_dir/tools/emulator/creditmeter-emulator"

# shellcheck disable=SC2317 # called through step()
build_native_emulator() {
  if [[ -f "$native_dir/CMakeCache.txt" ]] && grep -q '^CREDITMETER_BUILD_TOOLS:BOOL=ON' "$native_dir/CMakeCache.txt"; then
    cm_log cross "native emulator from $native_dir"
    cmake --build "$native_dir" -j "$jobs" --target creditmeter-emulator >"$native_dir/cross-emulator-build.log" 2>&1 \
      || { tail -n 40 "$native_dir/cross-emulator-build.log" >&2; return 1; }
  else
    BUILD_DIR="$native_dir" BUILD_TYPE=RelWithDebInfo BUILD_QUIET=1 BUILD_TARGETS=creditmeter-emulator \
      CMAKE_ARGS="-DCREDITMETER_BUILD_TESTS=OFF -DCREDITMETER_BUILD_EXAMPLES=OFF -DCREDITMETER_BUILD_PYTHON=OFF -DCREDITMETER_BUILD_BENCHMARKS=OFF -DCREDITMETER_BUILD_JAVA=OFF" \
      "$CM_ROOT/scripts/build.sh"
  fi
  [[ -x "$emulator" ]] || { cm_log cross "no emulator at $emulator"; return 1; }
}

# shellcheck disable=SC2317 # called through step()
configure_cross() {
  # shellcheck disable=SC2206 # CMAKE_ARGS is deliberately word-split
  local extra=(${CMAKE_ARGS:-})
  local args=(-S "$CM_ROOT" -B "$BUILD_DIR" -G "Unix Makefiles" "-DCMAKE_TOOLCHAIN_FILE=$toolchain"
              "-DCMAKE_BUILD_TYPE=$BUILD_TYPE" "${CROSS_ARGS[@]}" "${extra[@]}")
  local stamp="$BUILD_DIR/.creditmeter-cross-args" wanted
  wanted="$(printf '%s\n' "${args[@]}")"
  if [[ -f "$BUILD_DIR/Makefile" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    cm_log cross "configure up to date ($BUILD_DIR)"
    return 0
  fi
  # Settings changed (or a first run): a fresh cache, so nothing dropped lives on.
  rm -f "$BUILD_DIR/CMakeCache.txt" "$stamp"
  mkdir -p "$BUILD_DIR"
  cmake "${args[@]}" >"$BUILD_DIR/configure.log" 2>&1 \
    || { tail -n 60 "$BUILD_DIR/configure.log" >&2; return 1; }
  # The toolchain file wraps every test in qemu (CMAKE_CROSSCOMPILING_EMULATOR): check it did.
  if ! grep -q "$qemu" "$BUILD_DIR/tests/c/CTestTestfile.cmake" 2>/dev/null; then
    cm_log cross "the tests would not run under $qemu: see $BUILD_DIR/configure.log"
    return 1
  fi
  printf '%s' "$wanted" >"$stamp"
}

# shellcheck disable=SC2317 # called through step()
build_cross() {
  local dir
  : >"$BUILD_DIR/build.log"
  # A folder's Makefile builds all of its targets (the tree is configured for Unix Makefiles).
  for dir in "${CROSS_DIRS[@]}"; do
    cm_log cross "build $dir"
    make -C "$BUILD_DIR/$dir" -j "$jobs" all >>"$BUILD_DIR/build.log" 2>&1 \
      || { grep -E -B2 -A12 'error|Error' "$BUILD_DIR/build.log" | head -n 80 >&2; return 1; }
  done
  # What was built is what we claim: an ELF for the target.
  readelf -h "$BUILD_DIR/tests/unit/creditmeter_unit_tests" | grep -E "Class:|Machine:" | sed "s/^ */    /" || true
}

# shellcheck disable=SC2317 # called through step()
run_ctest() {
  # shellcheck disable=SC2206 # CTEST_ARGS is deliberately word-split
  local extra=(${CTEST_ARGS:-})
  CREDITMETER_EMULATOR="$emulator" ctest --test-dir "$BUILD_DIR" --output-on-failure \
    -j "$CTEST_JOBS" --timeout "$CTEST_TIMEOUT" --no-tests=error -L "$LABELS" "${extra[@]}"
}

# Tests talk to emulators on 127.0.0.1: never through a proxy. Journals and state go to a
# private directory that disappears with the run.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
XDG_STATE_HOME="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-cross-state.XXXXXX")"
export XDG_STATE_HOME
trap 'rm -rf "$XDG_STATE_HOME"' EXIT

if [[ "${CREDITMETER_SKIP_DEPS:-0}" != 1 ]]; then
  step deps install_cross_deps
fi
command -v "$triple-g++" >/dev/null 2>&1 || cm_die cross "$triple-g++ not found (run without CREDITMETER_SKIP_DEPS=1)"
command -v "$qemu" >/dev/null 2>&1 || cm_die cross "$qemu not found (Debian: qemu-user)"
step emulator build_native_emulator
step configure configure_cross
step build build_cross
step ctest run_ctest
finish 0
