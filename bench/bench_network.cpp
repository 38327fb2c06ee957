// The SDK's network paths against raw libcurl doing the same request to the same emulator,
// in the same run:
//  - one heartbeat through the SDK (Client::flush() of one session's new usage) vs one
//    keep-alive curl_easy_perform POST of a heartbeat body to /v1/runtime-tokens/heartbeat;
//  - start_session() on a warm client vs the same token exchange with raw libcurl.
// Counters: proc_cpu_us = CPU of the whole benchmark process per operation (every thread:
// the caller and the SDK's scheduler), emu_cpu_us = CPU of the emulator per operation.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <creditmeter/creditmeter.hpp>

#include "bench_support.hpp"

namespace {

cmbench::Emulator* g_emu = nullptr;
const char* kSecret = "bench-net";

// The real clock for deadlines; frame activity advances by exactly 10 ms per tick() so every
// iteration has new usage to report (1 ms is the wire's resolution) without sleeping.
class TickClock final : public creditmeter::Clock {
 public:
  duration now() const noexcept override { return real_->now(); }
  duration coarse_now() const noexcept override { return duration(coarse_.load(std::memory_order_relaxed)); }
  void tick() { coarse_.fetch_add(10000000, std::memory_order_relaxed); }

 private:
  std::shared_ptr<creditmeter::Clock> real_ = creditmeter::system_clock();
  std::atomic<std::int64_t> coarse_{1000000000000};
};

creditmeter::ClientOptions options(std::shared_ptr<creditmeter::Clock> clock = nullptr) {
  creditmeter::ClientOptions o;
  o.base_url = g_emu->url();
  o.api_secret = kSecret;
  o.journal_dir = "";  // the journal has its own benchmark (bench_journal)
  o.shutdown_timeout = std::chrono::milliseconds(2000);
  o.clock = std::move(clock);
  return o;
}

struct Meter {
  double cpu0 = cmbench::process_cpu_s();
  double emu0 = cmbench::proc_cpu_s_of(g_emu->pid());
  void report(benchmark::State& state) const {
    const double n = static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
    state.counters["proc_cpu_us"] = (cmbench::process_cpu_s() - cpu0) * 1e6 / n;
    state.counters["emu_cpu_us"] = (cmbench::proc_cpu_s_of(g_emu->pid()) - emu0) * 1e6 / n;
  }
};

// One heartbeat through the SDK, as a caller of Client::flush() sees it: the scheduler builds
// the heartbeat, sends it on its pooled keep-alive connection, parses the answer, updates the
// state machine and publishes the state; flush() returns when the acknowledgement is in.
// Counters: sched_cpu_us = the scheduler thread's own CPU clock; proc_cpu_us = every thread
// (the scheduler and the caller's two hand-offs: its wake-up call and its wait for the ack).
void BM_sdk_heartbeat(benchmark::State& state) {
  auto clock = std::make_shared<TickClock>();
  creditmeter::Client client(options(clock));
  const auto before = cmbench::thread_ids();
  auto session = client.start_session();
  pid_t sched = 0;
  for (pid_t t : cmbench::thread_ids()) {
    if (std::find(before.begin(), before.end(), t) == before.end()) sched = t;
  }
  session->frame();  // the first frame opens the activity window
  clock->tick();
  session->frame();
  client.flush(std::chrono::seconds(5));  // the connection is warm from here on
  std::int64_t failures = 0;
  Meter meter;
  const double sched0 = cmbench::task_cpu_s(sched);
  for (auto _ : state) {
    clock->tick();
    session->frame();  // 10 ms of new usage
    if (!client.flush(std::chrono::seconds(5))) ++failures;
  }
  meter.report(state);
  state.counters["sched_cpu_us"] = (cmbench::task_cpu_s(sched) - sched0) * 1e6 /
                                   static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
  const creditmeter::SessionStats s = session->stats();
  if (failures > 0 || s.heartbeats_failed > 0) state.SkipWithError("a heartbeat was not acknowledged");
  state.counters["heartbeats_ok"] = static_cast<double>(s.heartbeats_ok);
}
BENCHMARK(BM_sdk_heartbeat)->UseRealTime();

void BM_baseline_curl_heartbeat(benchmark::State& state) {
  // A session of our own, then heartbeats with increasing seq (never replays), as the SDK does.
  cmbench::RawCurl curl;
  static int run = 0;  // the function runs several times (iteration estimate, repetitions)
  const std::string sid = "raw-hb-" + std::to_string(++run);
  const cmbench::RawResponse grant =
      curl.post(g_emu->url() + "/v1/runtime-tokens/request", {"api-secret: " + std::string(kSecret), "Content-Type: application/json"},
                "{\"model\":\"essence\",\"surface\":\"cloud\",\"session_id\":\"" + sid + "\"}");
  const std::string token = cmbench::json_field(grant.body, "token");
  if (grant.status != 201 && grant.status != 200) {
    state.SkipWithError("token exchange failed");
    return;
  }
  const std::string url = g_emu->url() + "/v1/runtime-tokens/heartbeat";
  std::vector<std::string> headers = {"Authorization: Bearer " + token, "Content-Type: application/json",
                                      "Accept: application/json", ""};
  std::uint64_t seq = 1;
  char body[256];
  std::int64_t failures = 0;
  Meter meter;
  for (auto _ : state) {
    std::snprintf(body, sizeof body,
                  "{\"active_ms\":10,\"period_end\":\"2026-01-01T00:00:00.010Z\",\"period_start\":"
                  "\"2026-01-01T00:00:00.000Z\",\"seq\":%llu,\"session_id\":\"%s\"}",
                  static_cast<unsigned long long>(seq), sid.c_str());
    headers[3] = "Idempotency-Key: " + sid + ":" + std::to_string(seq);
    ++seq;
    const cmbench::RawResponse r = curl.post(url, headers, body);
    if (r.status != 200 && failures++ == 0) std::fprintf(stderr, "raw heartbeat: %ld %s\n", r.status, r.body.c_str());
  }
  meter.report(state);
  state.counters["sched_cpu_us"] = state.counters["proc_cpu_us"];  // one thread does it all
  if (failures > 0) state.SkipWithError("a raw heartbeat failed");
}
BENCHMARK(BM_baseline_curl_heartbeat)->UseRealTime();

void BM_sdk_start_session(benchmark::State& state) {
  creditmeter::Client client(options());
  std::vector<std::unique_ptr<creditmeter::Session>> sessions;
  sessions.push_back(client.start_session());  // warm: connection and TLS-free handle pooled
  client.flush(std::chrono::seconds(5));
  Meter meter;
  for (auto _ : state) sessions.push_back(client.start_session());
  meter.report(state);
  sessions.clear();  // releases: sent by the scheduler after the timed loop
  client.flush(std::chrono::seconds(10));
}
BENCHMARK(BM_sdk_start_session)->UseRealTime();

void BM_baseline_curl_start(benchmark::State& state) {
  cmbench::RawCurl curl;
  const std::string url = g_emu->url() + "/v1/runtime-tokens/request";
  const std::vector<std::string> headers = {"api-secret: " + std::string(kSecret), "Content-Type: application/json",
                                            "Accept: application/json"};
  curl.post(g_emu->url() + "/v2/credit-summaries", headers, "");  // warm the connection
  static std::atomic<std::uint64_t> n{0};
  char body[256];
  std::int64_t failures = 0;
  Meter meter;
  for (auto _ : state) {
    // Same shape as the SDK's body: a 36-character session id, the client block.
    std::snprintf(body, sizeof body,
                  "{\"client\":{\"name\":\"creditmeter-cpp\",\"version\":\"0.1.0\"},\"model\":\"essence\","
                  "\"session_id\":\"00000000-0000-4000-8000-%012llx\",\"surface\":\"cloud\"}",
                  static_cast<unsigned long long>(n.fetch_add(1) + (1ull << 40)));
    const long status = curl.post(url, headers, body).status;
    if (status < 200 || status >= 300) ++failures;
  }
  meter.report(state);
  if (failures > 0) state.SkipWithError("a raw token exchange failed");
}
BENCHMARK(BM_baseline_curl_start)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  cmbench::Emulator emulator({"--threads", "16"});
  g_emu = &emulator;
  emulator.create_account(kSecret, 1e12, 1000000);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
