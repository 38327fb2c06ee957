#!/usr/bin/env bash
# Builds the benchmarks (Release, build-bench/), runs them all, and writes docs/BENCHMARKS.md
# (ratios against same-run baselines, the scale table, docs/benchmarks-scale.png).
#
#   scripts/bench.sh             # full run (~12 min on 2 cores)
#   scripts/bench.sh --smoke     # quick run: proves everything works; figures are rough
#   scripts/bench.sh --check     # exit non-zero when a goal is missed (combines with --smoke)
#   scripts/bench.sh --no-build  # reuse build-bench/ as it is
#
# Environment: BUILD_DIR (default build-bench), CREDITMETER_BENCH_SOURCE (the source tree to
# build, default the repository), BENCH_REPETITIONS (default 12), BENCH_SCALE_N (default
# "100 1000 10000"), BENCH_SCALE_INTERVAL (s, default 10), BENCH_SCALE_WINDOW (s, default 30),
# BENCH_SCALE_RUNS (runs of the largest N, whose CPU ratio is a goal: default 3, the median
# counts), BENCH_OUT (default docs/BENCHMARKS.md), PYTHON (default /usr/bin/python3).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

smoke=0
check=0
build=1
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    --check) check=1 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) cm_die bench "unknown option: $arg (try --help)" ;;
  esac
done

cd "$CM_ROOT"
BUILD_DIR="${BUILD_DIR:-build-bench}"
SRC="${CREDITMETER_BENCH_SOURCE:-$CM_ROOT}"
PY="${PYTHON:-/usr/bin/python3}"
OUT="${BENCH_OUT:-docs/BENCHMARKS.md}"
PLOT="$(dirname "$OUT")/benchmarks-scale.png"
if [[ $smoke == 1 ]]; then
  reps=2; min_time=0.02; scale_n="${BENCH_SCALE_N:-20 100}"; interval=1; window=3; stop_sessions=10; scale_runs=1
  py_args=(--smoke)
else
  reps="${BENCH_REPETITIONS:-12}"; min_time=0.3
  scale_n="${BENCH_SCALE_N:-100 1000 10000}"; interval="${BENCH_SCALE_INTERVAL:-10}"; window="${BENCH_SCALE_WINDOW:-30}"
  stop_sessions=100; py_args=(--repetitions 15); scale_runs="${BENCH_SCALE_RUNS:-3}"
fi

if [[ $build == 1 ]]; then
  cm_log bench "configure + build (Release) in $BUILD_DIR"
  cmake -S "$SRC" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCREDITMETER_BUILD_BENCHMARKS=ON \
    -DCREDITMETER_BUILD_TESTS=OFF -DCREDITMETER_BUILD_EXAMPLES=OFF -DCREDITMETER_BUILD_TOOLS=ON \
    -DCREDITMETER_BUILD_PYTHON=ON -DPython3_EXECUTABLE="$PY" >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target bench_hotpath bench_network bench_network_hints bench_journal bench_shutdown \
    bench_scale bench_wakeups bench_events bench_events_scale creditmeter_alloc_test creditmeter-emulator creditmeter_python creditmeter_bench_noop
  # The Java benchmark (bench/java), when the tree has the Java binding (a JDK was found).
  # (grep without -q reads the whole list: -q exits at the match, and pipefail then sees
  # cmake die of SIGPIPE, which skipped the Java benchmark.)
  if cmake --build "$BUILD_DIR" --target help | grep creditmeter_java_bench >/dev/null; then
    cmake --build "$BUILD_DIR" -j2 --target creditmeter_java_bench creditmeter_jni
  fi
fi
B="$BUILD_DIR/bench"
RES="$BUILD_DIR/bench-results"
rm -rf "$RES"
mkdir -p "$RES"

cmd="scripts/bench.sh $*"
{
  echo "command:  $cmd   ($(date -u +%Y-%m-%dT%H:%MZ), git $(git -C "$CM_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "memory:   $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel:   $(uname -sr)"
  echo "compiler: $(c++ --version | head -1)"
  echo "curl:     $(curl-config --version 2>/dev/null || echo '?')"
  echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min at start: other work shares the machine)"
  echo "disk:     journal files on $(df -T "$BUILD_DIR" | awk 'NR==2 {print $2}') ($BUILD_DIR)"
} > "$RES/machine.txt"

gb=(--benchmark_repetitions="$reps" --benchmark_min_time="$min_time" --benchmark_enable_random_interleaving=true
    --benchmark_format=console --benchmark_out_format=json)
t0=$(cm_now)
cm_log bench "allocation test (frame/may_render)"
"$B/creditmeter_alloc_test"
cm_log bench "hot path: frame(), may_render()"
"$B/bench_hotpath" "${gb[@]}" --benchmark_out="$RES/hotpath.json"
cm_log bench "network: heartbeat, start_session"
"$B/bench_network" "${gb[@]}" --benchmark_out="$RES/network.json"
cm_log bench "journal group commit"
CREDITMETER_BENCH_DIR="$BUILD_DIR" "$B/bench_journal" "${gb[@]}" --benchmark_out="$RES/journal.json"
cm_log bench "usage events: Session::record() against a mutex-guarded push"
CREDITMETER_BENCH_DIR="$BUILD_DIR" "$B/bench_events" "${gb[@]}" --benchmark_out="$RES/events.json"
cm_log bench "usage events at scale$([[ $smoke == 1 ]] && echo ' (smoke: 10 sessions, 3 s)' || echo ': 100 sessions x 10 events/s for a minute')"
"$B/bench_events_scale" $([[ $smoke == 1 ]] && echo --smoke) | tee "$RES/events_scale.json"
cm_log bench "stop() and Client shutdown against a hung server"
CREDITMETER_BENCH_STOP_SESSIONS=$stop_sessions "$B/bench_shutdown" --benchmark_repetitions="$([[ $smoke == 1 ]] && echo 2 || echo 5)" \
  --benchmark_format=console --benchmark_out_format=json --benchmark_out="$RES/shutdown.json"
if [[ -f "$BUILD_DIR/python/creditmeter/__init__.py" && -n "$(ls "$B"/python/_bench_noop*.so 2>/dev/null)" ]]; then
  cm_log bench "Python session.frame()"
  PYTHONPATH="$BUILD_DIR/python:$B/python" "$PY" bench/python/bench_frame.py \
    --emulator "$BUILD_DIR/tools/emulator/creditmeter-emulator" "${py_args[@]}" > "$RES/python.json"
fi
if [[ -f "$BUILD_DIR/python/creditmeter/aio.py" ]]; then
  cm_log bench "Python creditmeter.aio: the event loop's largest gap while the server holds a call"
  PYTHONPATH="$BUILD_DIR/python" "$PY" bench/python/bench_aio_loop.py \
    --emulator "$BUILD_DIR/tools/emulator/creditmeter-emulator" $([[ $smoke == 1 ]] && echo --smoke) > "$RES/python_aio.json"
fi
if [[ -f "$BUILD_DIR/bench-java/creditmeter_java_bench.jar" ]]; then
  cm_log bench "Java Session.frame(), mayRender()"
  "${JAVA:-java}" -Djava.library.path="$BUILD_DIR/bindings/java" \
    -cp "$BUILD_DIR/bindings/java/creditmeter.jar:$BUILD_DIR/bench-java/creditmeter_java_bench.jar" \
    io.creditmeter.BenchFrame --emulator "$BUILD_DIR/tools/emulator/creditmeter-emulator" \
    $([[ $smoke == 1 ]] && echo --smoke) > "$RES/java.json"
fi
largest_n=$(printf '%s\n' $scale_n | sort -n | tail -1)
for n in $scale_n; do
  runs=1
  [[ $n == "$largest_n" ]] && runs=$scale_runs
  for run in $(seq 1 "$runs"); do
    suffix=""
    [[ $run -gt 1 ]] && suffix=".run$run"
    cm_log bench "scale: $n sessions, heartbeat every ${interval}s, ${window}s window (run $run of $runs)"
    "$B/bench_scale" --sessions "$n" --interval "$interval" --duration "$window" --emulator-threads 64 \
      | tee "$RES/scale_$(printf '%06d' "$n")$suffix.json"
  done
done
cm_log bench "network hints: network_changed() against the same outage without it$([[ $smoke == 1 ]] || echo ' (~4 min)')"
"$B/bench_network_hints" $([[ $smoke == 1 ]] && echo --smoke) > "$RES/network_hints.json"
if [[ $smoke == 1 ]]; then
  cm_log bench "wake-ups of the SDK's threads (smoke: 2 s interval, 50 sessions)"
  "$B/bench_wakeups" --smoke > "$RES/wakeups.json"
else
  cm_log bench "wake-ups of the SDK's threads: 1 session and 1,000, heartbeat every 60 s (~5 min)"
  "$B/bench_wakeups" --interval 60 --sessions 1000 > "$RES/wakeups.json"
fi
cm_log bench "all runs done in $(awk -v a="$t0" -v b="$(cm_now)" 'BEGIN {printf "%.0f", b-a}') s"

args=("$RES" "$OUT" --plot "$PLOT")
[[ $check == 1 ]] && args+=(--check)
"$PY" bench/report.py "${args[@]}"
