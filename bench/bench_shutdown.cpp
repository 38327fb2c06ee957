// stop() and Client shutdown against a server that accepts requests and never answers
// (the emulator's `hang` fault on every path). No baseline: absolute goals
// (stop() p99 < 10 ms; ~Client <= shutdown_timeout + 250 ms).
//
// Each repetition: a Client starts N sessions (normal server), then the server hangs, each
// session renders and a flush is requested so heartbeats are on the wire and stuck; then
// every session is stopped (timed one by one: stop(), then ~Session) and finally the Client
// is destroyed (timed). Env CREDITMETER_BENCH_STOP_SESSIONS = N (default 100).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include <creditmeter/creditmeter.hpp>

#include "bench_support.hpp"

namespace {

cmbench::Emulator* g_emu = nullptr;
const char* kSecret = "bench-stop";
constexpr std::chrono::milliseconds kShutdownTimeout{1000};

int sessions_per_run() {
  const char* env = std::getenv("CREDITMETER_BENCH_STOP_SESSIONS");
  const int n = env != nullptr ? std::atoi(env) : 100;
  return std::max(2, n);
}

double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

void BM_stop_and_shutdown_hung_server(benchmark::State& state) {
  for (auto _ : state) {
    g_emu->admin("DELETE", "/admin/faults");
    creditmeter::ClientOptions o;
    o.base_url = g_emu->url();
    o.api_secret = kSecret;
    o.journal_dir = "";
    o.shutdown_timeout = kShutdownTimeout;
    o.log = [](creditmeter::LogLevel, const std::string&) {};  // "undelivered" warnings expected
    auto client = std::make_unique<creditmeter::Client>(o);
    std::vector<std::unique_ptr<creditmeter::Session>> sessions;
    const int n = sessions_per_run();
    for (int i = 0; i < n; ++i) sessions.push_back(client->start_session());
    g_emu->admin("POST", "/admin/faults", "{\"mode\":\"hang\"}");
    for (auto& s : sessions) s->frame();
    client->flush(std::chrono::milliseconds(0));  // heartbeats go out now and hang
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

    std::vector<double> stop_ms, destroy_ms;
    for (int i = 0; i < n; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      if (i % 2 == 0) {
        sessions[i]->stop();
        stop_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      } else {
        sessions[i].reset();  // ~Session = stop() + no callback after it
        destroy_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    client.reset();
    const double shutdown_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    sessions.clear();
    state.SetIterationTime(shutdown_ms / 1000.0);
    state.counters["stop_p50_ms"] = pct(stop_ms, 0.50);
    state.counters["stop_p99_ms"] = pct(stop_ms, 0.99);
    state.counters["stop_max_ms"] = pct(stop_ms, 1.0);
    state.counters["destroy_p99_ms"] = pct(destroy_ms, 0.99);
    state.counters["shutdown_ms"] = shutdown_ms;
    state.counters["shutdown_timeout_ms"] = static_cast<double>(kShutdownTimeout.count());
    state.counters["shutdown_over_timeout_ms"] = shutdown_ms - static_cast<double>(kShutdownTimeout.count());
  }
  g_emu->admin("DELETE", "/admin/faults");
}
BENCHMARK(BM_stop_and_shutdown_hung_server)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) { return cmbench::run_benchmarks_with_emulator(argc, argv, kSecret, &g_emu); }
