// Session::frame() and Session::may_render() against the cheapest atomic operations that
// could implement them, measured in the same run (see docs/BENCHMARKS.md).
#include <benchmark/benchmark.h>

#include <time.h>

#include <atomic>
#include <cstdio>
#include <memory>

#include <creditmeter/creditmeter.hpp>

#include "bench_support.hpp"

namespace {

creditmeter::Session* g_session = nullptr;

struct alignas(64) Baseline {
  std::atomic<std::uint64_t> counter{0};
  std::atomic<bool> flag{true};
};
Baseline* g_baseline = nullptr;

// Baseline of frame(): one relaxed fetch_add (the least a frame counter can cost).
void BM_baseline_fetch_add_relaxed(benchmark::State& state) {
  Baseline& b = *g_baseline;
  for (auto _ : state) benchmark::DoNotOptimize(b.counter.fetch_add(1, std::memory_order_relaxed));
}
BENCHMARK(BM_baseline_fetch_add_relaxed);

// Informative floor of frame(): the coarse clock read frame() needs to tell activity from
// idle gaps (CLOCK_MONOTONIC_COARSE, as the default Clock reads it) plus one relaxed
// fetch_add. What it costs against the fetch_add alone depends on the host's vDSO, not on the
// SDK, so frame()'s ratio to the fetch_add is read against this one (docs/BENCHMARKS.md).
void BM_baseline_coarse_clock_fetch_add(benchmark::State& state) {
  Baseline& b = *g_baseline;
  for (auto _ : state) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    benchmark::DoNotOptimize(ts);
    benchmark::DoNotOptimize(b.counter.fetch_add(1, std::memory_order_relaxed));
  }
}
BENCHMARK(BM_baseline_coarse_clock_fetch_add);

void BM_session_frame(benchmark::State& state) {
  creditmeter::Session& s = *g_session;
  for (auto _ : state) {
    s.frame();
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_session_frame);

// Baseline of may_render(): one acquire load of an atomic<bool>.
void BM_baseline_load_acquire(benchmark::State& state) {
  Baseline& b = *g_baseline;
  for (auto _ : state) benchmark::DoNotOptimize(b.flag.load(std::memory_order_acquire));
}
BENCHMARK(BM_baseline_load_acquire);

void BM_session_may_render(benchmark::State& state) {
  const creditmeter::Session& s = *g_session;
  for (auto _ : state) benchmark::DoNotOptimize(s.may_render());
}
BENCHMARK(BM_session_may_render);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  cmbench::Emulator emulator;
  emulator.create_account("bench-hot", 1e9, 10);
  int rc = 0;
  {
    creditmeter::ClientOptions o;
    o.base_url = emulator.url();
    o.api_secret = "bench-hot";
    o.journal_dir = "";
    o.shutdown_timeout = std::chrono::milliseconds(500);
    creditmeter::Client client(o);
    auto session = client.start_session();
    g_session = session.get();
    auto baseline = std::make_unique<Baseline>();
    g_baseline = baseline.get();
    if (!session->may_render()) {
      std::fprintf(stderr, "session is not active\n");
      rc = 1;
    } else {
      benchmark::RunSpecifiedBenchmarks();
    }
    benchmark::Shutdown();
  }
  return rc;
}
