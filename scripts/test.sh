#!/usr/bin/env bash
# The test run of the README: installs what is missing, builds, runs every test, then checks
# that the installed package works for an outside CMake project.
#
#   scripts/test.sh              # RelWithDebInfo in build/: every ctest test (benchmarks in
#                                # smoke mode too) + package check
#   scripts/test.sh --debug      # Debug build in build-debug/
#   scripts/test.sh --release    # Release build in build-release/
#   scripts/test.sh --asan       # ASan+UBSan build in build-asan/, tests labelled unit|smoke
#   scripts/test.sh --tsan       # TSan build in build-tsan/, tests labelled unit|smoke
#   scripts/test.sh --no-curl    # library without libcurl (CREDITMETER_WITH_CURL=OFF) in
#                                # build-nocurl/: the C ABI tests through a test app transport
#   scripts/test.sh --quick      # skip the package check (combines with the above)
#
# Environment: BUILD_DIR and BUILD_TYPE override the defaults above; CMAKE_ARGS adds configure
# arguments; CTEST_ARGS adds ctest arguments (e.g. "-R emulator"); CTEST_JOBS (default 2),
# CTEST_TIMEOUT (seconds per test, default 300); CREDITMETER_SANITIZER_LABELS (default
# "unit|smoke", a ctest label regex); CREDITMETER_SKIP_DEPS=1 skips scripts/install-deps.sh.
# Exits non-zero if any stage fails; prints one summary line per stage with its time.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

variant=default
quick=0
for arg in "$@"; do
  case "$arg" in
    --debug) variant=debug ;;
    --release) variant=release ;;
    --asan) variant=asan ;;
    --tsan) variant=tsan ;;
    --no-curl) variant=nocurl ;;
    --quick) quick=1 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) cm_die test "unknown option: $arg (try --help)" ;;
  esac
done

# The ctest label regex run under sanitizers: fast, deterministic suites only.
SANITIZER_LABELS="${CREDITMETER_SANITIZER_LABELS:-unit|smoke}"
CTEST_JOBS="${CTEST_JOBS:-2}"
CTEST_TIMEOUT="${CTEST_TIMEOUT:-300}"

# Sanitizer builds skip what their label subset never runs (the Python module, the examples):
# less to compile on CI's 2 cores. CMAKE_ARGS comes later on the command line, so it can
# switch them back on.
SANITIZER_TRIM=(-DCREDITMETER_BUILD_PYTHON=OFF -DCREDITMETER_BUILD_EXAMPLES=OFF)
variant_args=()
label_args=()
# Non-sanitizer builds also build the benchmarks: ctest runs each once in its smoke mode
# (label bench: proves they work, never gates on speed; scripts/bench.sh measures).
BENCH_ON=(-DCREDITMETER_BUILD_BENCHMARKS=ON)
case "$variant" in
  default) dir=build; type=RelWithDebInfo; variant_args=("${BENCH_ON[@]}") ;;
  debug) dir=build-debug; type=Debug; variant_args=("${BENCH_ON[@]}") ;;
  release) dir=build-release; type=Release; variant_args=("${BENCH_ON[@]}") ;;
  asan)
    dir=build-asan; type=Debug
    variant_args=(-DCREDITMETER_ASAN=ON "${SANITIZER_TRIM[@]}")
    label_args=(-L "$SANITIZER_LABELS")
    : "${ASAN_OPTIONS:=detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_init_order=1:detect_stack_use_after_return=1}"
    : "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
    export ASAN_OPTIONS UBSAN_OPTIONS
    ;;
  tsan)
    dir=build-tsan; type=RelWithDebInfo
    variant_args=(-DCREDITMETER_TSAN=ON "${SANITIZER_TRIM[@]}")
    label_args=(-L "$SANITIZER_LABELS")
    : "${TSAN_OPTIONS:=halt_on_error=1:second_deadlock_stack=1}"
    export TSAN_OPTIONS
    ;;
  nocurl)
    # What proves the variant: the library links without libcurl (c_no_curl) and the C ABI
    # suites pass with every request carried by the app's transport. Nothing else is built.
    dir=build-nocurl; type=RelWithDebInfo
    variant_args=(-DCREDITMETER_WITH_CURL=OFF "${SANITIZER_TRIM[@]}" -DCREDITMETER_BUILD_JAVA=OFF)
    label_args=(-L '^c$' -E 'c_pkgconfig|c_module|c_exports')
    : "${BUILD_TARGETS:=creditmeter_shared creditmeter-emulator creditmeter_c_all_tests}"
    export BUILD_TARGETS
    ;;
esac
BUILD_DIR="$(cm_abs_build_dir "${BUILD_DIR:-$dir}")"
export BUILD_DIR
export BUILD_TYPE="${BUILD_TYPE:-$type}"
export CMAKE_ARGS="${variant_args[*]}${CMAKE_ARGS:+ $CMAKE_ARGS}"

# Tests talk to emulators on 127.0.0.1: never through a proxy. Their journals and state go
# to a private directory that disappears with the run.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
XDG_STATE_HOME="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-test-state.XXXXXX")"
export XDG_STATE_HOME
trap 'rm -rf "$XDG_STATE_HOME"' EXIT

summary=()
failed=0
total_start="$(cm_now)"

# stage <name> <command...>: runs one stage, records "name: ok|FAILED (time)".
stage() {
  local name="$1" start rc
  shift
  start="$(cm_now)"
  cm_log test "stage $name: $*"
  set +e
  "$@"
  rc=$?
  set -e
  local line
  if [[ $rc -eq 0 ]]; then
    line="$(printf '%-8s ok      (%s)' "$name" "$(cm_elapsed "$start")")"
  else
    line="$(printf '%-8s FAILED  (%s, exit %d)' "$name" "$(cm_elapsed "$start")" "$rc")"
    failed=1
  fi
  summary+=("$line")
  cm_log test "$line"
  return "$rc"
}

finish() {
  printf '\n'
  cm_log test "summary ($variant, $BUILD_TYPE, $BUILD_DIR):"
  local line
  for line in "${summary[@]}"; do
    printf '    %s\n' "$line"
  done
  if [[ $failed -eq 0 ]]; then
    cm_log test "PASSED in $(cm_elapsed "$total_start")"
  else
    cm_log test "FAILED in $(cm_elapsed "$total_start")"
  fi
  exit "$failed"
}

# shellcheck disable=SC2317 # called through stage()
run_ctest() {
  # shellcheck disable=SC2206 # CTEST_ARGS is deliberately word-split
  local extra=(${CTEST_ARGS:-})
  local cmd=(ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$CTEST_JOBS"
             --timeout "$CTEST_TIMEOUT" --no-tests=error "${label_args[@]}" "${extra[@]}")
  # gcc 12's TSan cannot map its shadow memory when the kernel randomises mmap with more than
  # 28 bits (newer kernels): run the tests with address-space randomisation off then.
  if [[ "$variant" == tsan ]] && [[ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ]] \
     && command -v setarch >/dev/null 2>&1; then
    cmd=(setarch "$(uname -m)" -R "${cmd[@]}")
  fi
  "${cmd[@]}"
}

if [[ "${CREDITMETER_SKIP_DEPS:-0}" != 1 ]]; then
  stage deps "$CM_ROOT/scripts/install-deps.sh" || finish
fi
stage build "$CM_ROOT/scripts/build.sh" || finish
stage ctest run_ctest || true
if [[ $quick -eq 0 ]]; then
  stage package "$CM_ROOT/scripts/check-package.sh" || true
fi
finish
