#!/usr/bin/env bash
# Builds creditmeter's libFuzzer targets (tests/fuzz) with Debian's clang into build-fuzz/
# and runs each for a bounded time, starting from a scratch copy of its committed seed
# corpus (the committed corpus is never modified). Exits non-zero on the first crash, leak,
# sanitizer report or violated property; the crashing input is left in build-fuzz/artifacts/.
#
#   scripts/fuzz.sh [-t SECONDS] [-j JOBS] [TARGET...]
#     -t SECONDS  time per target (default 30; env FUZZ_SECONDS)
#     -j JOBS     build parallelism (default 2)
#     TARGET      protocol, jwt, journal, retry_after, json_reader, events_ack (default: all)
#   env CLANG / CLANGXX pick the compilers (default clang / clang++, e.g. clang-14).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-30}
jobs=2
while getopts "t:j:h" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    h) sed -n '2,12p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(protocol jwt journal retry_after json_reader events_ack)

cc=${CLANG:-clang}
cxx=${CLANGXX:-clang++}
if ! command -v "$cxx" > /dev/null 2>&1; then
  echo "fuzz.sh: $cxx not found (apt-get install clang)" >&2
  exit 2
fi

build="$root/build-fuzz"
cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
rm -f "$build.configure.log"
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j "$jobs" --target "${build_targets[@]}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for t in "${targets[@]}"; do
  corpus="$scratch/$t"
  mkdir -p "$corpus"
  cp "$root/tests/fuzz/corpus/$t/"* "$corpus/"
  echo "== fuzz_$t: ${seconds}s from $(find "$corpus" -type f | wc -l) seeds"
  start=$(date +%s)
  if "$build/fuzz_$t" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" > "$scratch/$t.log" 2>&1; then
    echo "   ok in $(( $(date +%s) - start ))s: $(grep -E '^stat::number_of_executed_units' "$scratch/$t.log" | awk '{print $2}') runs, corpus now $(find "$corpus" -type f | wc -l) inputs"
  else
    echo "   FAILED: see below; the input is in $build/artifacts/" >&2
    tail -n 60 "$scratch/$t.log" >&2
    status=1
  fi
done
exit $status
