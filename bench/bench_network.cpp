// The SDK's network paths against raw libcurl doing the same request to the same emulator,
// in the same run:
//  - one heartbeat through the SDK (Client::flush() of one session's new usage) vs one
//    keep-alive curl_easy_perform POST of a heartbeat body to /v1/runtime-tokens/heartbeat;
//  - start_session() on a warm client vs the same token exchange with raw libcurl.
// Counters: proc_cpu_us = CPU of the whole benchmark process per operation (every thread:
// the caller and the SDK's scheduler), emu_cpu_us = CPU of the emulator per operation.
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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

// Raw keep-alive heartbeats of a session of our own, with increasing seq (never replays), as
// the SDK sends them: the baselines' request.
class RawHeartbeats {
 public:
  explicit RawHeartbeats(const char* tag) {
    static int run = 0;  // the benchmarks run several times (iteration estimate, repetitions)
    sid_ = std::string("raw-") + tag + "-" + std::to_string(++run);
    const cmbench::RawResponse grant =
        curl_.post(g_emu->url() + "/v1/runtime-tokens/request", {"api-secret: " + std::string(kSecret), "Content-Type: application/json"},
                   "{\"model\":\"essence\",\"surface\":\"cloud\",\"session_id\":\"" + sid_ + "\"}");
    ok_ = grant.status == 201 || grant.status == 200;
    headers_ = {"Authorization: Bearer " + cmbench::json_field(grant.body, "token"), "Content-Type: application/json",
                "Accept: application/json", ""};
    url_ = g_emu->url() + "/v1/runtime-tokens/heartbeat";
  }
  bool ok() const { return ok_; }
  // One heartbeat POST on the calling thread; true when the server acknowledged it.
  bool send() {
    char body[256];
    std::snprintf(body, sizeof body,
                  "{\"active_ms\":10,\"period_end\":\"2026-01-01T00:00:00.010Z\",\"period_start\":"
                  "\"2026-01-01T00:00:00.000Z\",\"seq\":%llu,\"session_id\":\"%s\"}",
                  static_cast<unsigned long long>(seq_), sid_.c_str());
    headers_[3] = "Idempotency-Key: " + sid_ + ":" + std::to_string(seq_);
    ++seq_;
    const cmbench::RawResponse r = curl_.post(url_, headers_, body);
    if (r.status != 200 && !reported_) {
      reported_ = true;
      std::fprintf(stderr, "raw heartbeat: %ld %s\n", r.status, r.body.c_str());
    }
    return r.status == 200;
  }

 private:
  cmbench::RawCurl curl_;
  std::string sid_, url_;
  std::vector<std::string> headers_;
  std::uint64_t seq_ = 1;
  bool ok_ = false, reported_ = false;
};

void BM_baseline_curl_heartbeat(benchmark::State& state) {
  RawHeartbeats raw("hb");
  if (!raw.ok()) {
    state.SkipWithError("token exchange failed");
    return;
  }
  std::int64_t failures = 0;
  Meter meter;
  for (auto _ : state) {
    if (!raw.send()) ++failures;
  }
  meter.report(state);
  state.counters["sched_cpu_us"] = state.counters["proc_cpu_us"];  // one thread does it all
  if (failures > 0) state.SkipWithError("a raw heartbeat failed");
}
BENCHMARK(BM_baseline_curl_heartbeat)->UseRealTime();

// Informative, no goal: the same raw heartbeat on a worker thread that the caller hands each
// request to and waits for (a condition variable each way): the thread hand-offs every
// asynchronous design pays, without any of the SDK's work. The SDK's ratio to this one is its
// own overhead; the ratio of this one to the synchronous baseline is the hand-offs' price.
void BM_baseline_curl_handoff(benchmark::State& state) {
  RawHeartbeats raw("handoff");
  if (!raw.ok()) {
    state.SkipWithError("token exchange failed");
    return;
  }
  std::mutex mutex;
  std::condition_variable cv;
  std::uint64_t asked = 0, done = 0;
  std::int64_t failures = 0;
  bool quit = false;
  std::atomic<pid_t> worker_tid{0};
  std::thread worker([&] {
    worker_tid = static_cast<pid_t>(::syscall(SYS_gettid));
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      cv.wait(lock, [&] { return quit || asked > done; });
      if (quit) return;
      lock.unlock();
      const bool ok = raw.send();
      lock.lock();
      if (!ok) ++failures;
      ++done;
      cv.notify_all();
    }
  });
  while (worker_tid.load() == 0) std::this_thread::yield();
  Meter meter;
  const double worker0 = cmbench::task_cpu_s(worker_tid.load());
  for (auto _ : state) {
    std::unique_lock<std::mutex> lock(mutex);
    ++asked;
    cv.notify_all();
    cv.wait(lock, [&] { return done == asked; });
  }
  meter.report(state);
  state.counters["sched_cpu_us"] = (cmbench::task_cpu_s(worker_tid.load()) - worker0) * 1e6 /
                                   static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
  {
    std::lock_guard<std::mutex> lock(mutex);
    quit = true;
  }
  cv.notify_all();
  worker.join();
  if (failures > 0) state.SkipWithError("a raw heartbeat failed");
}
BENCHMARK(BM_baseline_curl_handoff)->UseRealTime();

// A warm client (one session started: pooled handle, open connection); each iteration starts
// one more session and keeps it, so start k runs on a client holding k - 1 live sessions (an
// engine hosting many avatars). Releases are sent after the timed loop.
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

int main(int argc, char** argv) { return cmbench::run_benchmarks_with_emulator(argc, argv, kSecret, &g_emu); }
