// One Client, N concurrent metered sessions against the emulator, heartbeat interval S.
// Prints one JSON object (docs/BENCHMARKS.md explains every field). Method:
//  - Sessions start paced evenly over one interval (as an engine's avatars would), so their
//    due times are spread; a renderer thread calls frame() on every session every 50 ms.
//  - Heartbeat lateness is observed client-side: every 100 ms each session's
//    stats().heartbeats_ok is read; when it reaches k, heartbeat k has been acknowledged
//    by the server (it "landed"), and its due time is start_i + k * interval (start_i: the
//    token exchange). lateness = observed - due (includes <= 100 ms of polling granularity).
//    The emulator's ledger is checked at the end: its heartbeat count per session must match.
//  - The scheduler thread is the thread that appears when the first session starts; its CPU
//    is read from the kernel's per-thread clock over the steady-state window and divided by
//    the heartbeats acknowledged in the window. Baseline (the goal's): a raw keep-alive
//    curl_easy_perform heartbeat POST's CPU (this thread's clock), back to back, measured
//    before the run and again after the window (the mean of the two). For context, the same
//    raw heartbeats paced one every 10 ms on a thread of their own inside the window (a
//    heartbeat client on a schedule, under the same load): window_baseline_cpu_per_hb_us.
//  - RSS per session = (RSS with N sessions in steady state - RSS with 1 session) / (N - 1).
//  - Connections: client sockets to the emulator port seen in /proc/net/tcp (sampled every
//    second); new = local ports never seen before.
#include <arpa/inet.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <creditmeter/creditmeter.hpp>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::set<unsigned> client_ports(int server_port) {
  std::set<unsigned> out;
  for (const char* path : {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, st;
      f >> sl >> local >> remote >> st;
      const auto lc = local.rfind(':'), rc = remote.rfind(':');
      if (lc == std::string::npos || rc == std::string::npos) continue;
      const unsigned lport = static_cast<unsigned>(std::stoul(local.substr(lc + 1), nullptr, 16));
      const unsigned rport = static_cast<unsigned>(std::stoul(remote.substr(rc + 1), nullptr, 16));
      if (static_cast<int>(rport) == server_port && st == "01") out.insert(lport);  // ESTABLISHED
    }
  }
  return out;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// Raw keep-alive heartbeats of a session of our own on the calling thread; returns this
// thread's CPU per heartbeat. pace = 0: back to back; else one every `pace` (a heartbeat
// client on a schedule: each request also pays the wake-up from its sleep).
double raw_heartbeat_cpu_us(cmbench::Emulator& emu, const std::string& secret, int count, const std::string& sid,
                            std::chrono::microseconds pace = std::chrono::microseconds(0)) {
  cmbench::RawCurl curl;
  const auto grant = curl.post(emu.url() + "/v1/runtime-tokens/request",
                               {"api-secret: " + secret, "Content-Type: application/json"},
                               "{\"model\":\"essence\",\"surface\":\"cloud\",\"session_id\":\"" + sid + "\"}");
  const std::string token = cmbench::json_field(grant.body, "token");
  std::vector<std::string> headers = {"Authorization: Bearer " + token, "Content-Type: application/json",
                                      "Accept: application/json", ""};
  char body[256];
  double cpu0 = 0;
  auto next = Clock::now();
  for (int seq = 1; seq <= count + 20; ++seq) {
    if (seq == 21) cpu0 = cmbench::thread_cpu_s();  // after 20 warm-up requests
    if (pace.count() > 0) {
      next += pace;
      std::this_thread::sleep_until(next);
    }
    std::snprintf(body, sizeof body,
                  "{\"active_ms\":10,\"period_end\":\"2026-01-01T00:00:00.010Z\",\"period_start\":"
                  "\"2026-01-01T00:00:00.000Z\",\"seq\":%d,\"session_id\":\"%s\"}",
                  seq, sid.c_str());
    headers[3] = "Idempotency-Key: " + sid + ":" + std::to_string(seq);
    curl.post(emu.url() + "/v1/runtime-tokens/heartbeat", headers, body);
  }
  curl.post(emu.url() + "/v1/runtime-tokens/release",
            {"Authorization: Bearer " + token, "Content-Type: application/json",
             "Idempotency-Key: " + sid + ":" + std::to_string(count + 21)},
            "{\"session_id\":\"" + sid + "\",\"seq\":" + std::to_string(count + 21) + ",\"active_ms\":0}");
  return (cmbench::thread_cpu_s() - cpu0) * 1e6 / count;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 1000;
  double interval = 10, duration = 30;
  int emu_threads = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sessions") n = std::atoi(argv[i + 1]);
    else if (a == "--interval") interval = std::atof(argv[i + 1]);
    else if (a == "--duration") duration = std::atof(argv[i + 1]);
    else if (a == "--emulator-threads") emu_threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_scale --sessions N --interval S --duration S [--emulator-threads T]\n");
      return 2;
    }
  }
  n = std::max(2, n);
  const std::string secret = "bench-scale";
  cmbench::Emulator emu({"--threads", std::to_string(emu_threads), "--max-threads", "4096"});
  emu.create_account(secret, 1e12, n + 100);
  emu.admin("POST", "/admin/config",
            "{\"heartbeat_interval_s\":" + std::to_string(interval) + ",\"offline_grace_s\":" +
                std::to_string(std::max(300.0, 5 * interval)) + "}");

  // Back to back, before the SDK's run (and once more after it: the mean of both is reported).
  const double baseline_before_us = raw_heartbeat_cpu_us(emu, secret, 2000, "raw-scale-baseline");

  creditmeter::ClientOptions o;
  o.base_url = emu.url();
  o.api_secret = secret;
  o.journal_dir = "";  // the journal's cost is bench_journal's subject
  o.shutdown_timeout = std::chrono::seconds(30);
  std::atomic<long> warnings{0};
  o.log = [&warnings](creditmeter::LogLevel level, const std::string& m) {
    if (level >= creditmeter::LogLevel::warning && warnings.fetch_add(1) < 5) std::fprintf(stderr, "sdk: %s\n", m.c_str());
  };
  auto client = std::make_unique<creditmeter::Client>(o);

  const auto tids_before = cmbench::thread_ids();
  std::vector<std::unique_ptr<creditmeter::Session>> sessions;
  std::vector<Clock::time_point> started;
  sessions.reserve(n);
  started.reserve(n);
  sessions.push_back(client->start_session());
  started.push_back(Clock::now());
  pid_t sched_tid = 0;
  for (pid_t t : cmbench::thread_ids()) {
    if (std::find(tids_before.begin(), tids_before.end(), t) == tids_before.end()) sched_tid = t;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const long rss_one = cmbench::rss_kib();

  // The renderer: every session renders (frame() every 50 ms) for the whole run.
  std::atomic<bool> quit{false};
  std::atomic<std::size_t> published{1};
  std::thread renderer([&] {
    while (!quit.load()) {
      const std::size_t k = published.load(std::memory_order_acquire);
      for (std::size_t i = 0; i < k; ++i) sessions[i]->frame();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  // Observation state, per session.
  std::vector<std::uint64_t> seen(n, 0);
  std::vector<double> lateness;
  lateness.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(duration / interval + 4));
  std::set<unsigned> ports_ever;
  std::size_t max_conns = 0;
  const auto poll = [&](bool in_window, std::vector<double>* window_late) {
    const auto now = Clock::now();
    const std::size_t k = published.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < k; ++i) {
      const std::uint64_t ok = sessions[i]->stats().heartbeats_ok;
      while (seen[i] < ok) {
        ++seen[i];
        const double late = secs(started[i], now) - static_cast<double>(seen[i]) * interval;
        lateness.push_back(late);
        if (in_window && window_late != nullptr) window_late->push_back(late);
      }
    }
  };

  // Starts, paced over one interval.
  const auto t_start = Clock::now();
  std::vector<double> start_ms;
  auto last_poll = t_start;
  for (int i = 1; i < n; ++i) {
    const auto target = t_start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(interval * i / n));
    std::this_thread::sleep_until(target);
    const auto t0 = Clock::now();
    sessions.push_back(client->start_session());
    started.push_back(Clock::now());
    start_ms.push_back(secs(t0, started.back()) * 1e3);
    published.store(sessions.size(), std::memory_order_release);
    if (Clock::now() - last_poll >= std::chrono::milliseconds(100)) {
      poll(false, nullptr);
      last_poll = Clock::now();
    }
  }
  const double start_phase_s = secs(t_start, Clock::now());
  // One more interval to settle, observing at the window's granularity (100 ms): an
  // acknowledgement that lands here must not be first seen, late, by the window's first poll.
  const auto settled = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
  while (Clock::now() < settled) {
    poll(false, nullptr);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // Steady-state window.
  const int threads_sdk = cmbench::thread_count_of(getpid()) - static_cast<int>(tids_before.size()) - 1;  // minus renderer
  const long rss_n = cmbench::rss_kib();
  std::uint64_t hb0 = 0;
  for (auto v : seen) hb0 += v;
  const double sched0 = cmbench::task_cpu_s(sched_tid), proc0 = cmbench::process_cpu_s();
  const double emu0 = cmbench::proc_cpu_s_of(emu.pid());
  const auto w0 = Clock::now();
  // The same raw heartbeats once more, inside the window: one every 10 ms on a thread of
  // their own, under the same load as the scheduler (renderer, observer, emulator).
  double window_baseline_cpu_us = 0;
  const int window_baseline_count = std::max(10, static_cast<int>(duration * 100) - 40);
  std::thread window_baseline([&] {
    window_baseline_cpu_us = raw_heartbeat_cpu_us(emu, secret, window_baseline_count, "raw-scale-window",
                                                  std::chrono::milliseconds(10));
  });
  std::vector<double> window_late;
  std::size_t new_conns = 0;
  auto next_sample = w0;
  int emu_threads_max = 0;
  long emu_rss_max = 0;
  while (secs(w0, Clock::now()) < duration) {
    poll(true, &window_late);
    if (Clock::now() >= next_sample) {
      const auto ports = client_ports(emu.port());
      max_conns = std::max(max_conns, ports.size());
      for (unsigned p : ports) {
        if (ports_ever.insert(p).second && next_sample != w0) ++new_conns;
      }
      emu_threads_max = std::max(emu_threads_max, cmbench::thread_count_of(emu.pid()));
      emu_rss_max = std::max(emu_rss_max, cmbench::rss_kib_of(emu.pid()));
      next_sample += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  poll(true, &window_late);
  const double window_s = secs(w0, Clock::now());
  window_baseline.join();
  std::uint64_t hb1 = 0;
  for (auto v : seen) hb1 += v;
  const double sched_cpu = cmbench::task_cpu_s(sched_tid) - sched0;
  // The SDK's process minus the in-window baseline's thread.
  const double proc_cpu = cmbench::process_cpu_s() - proc0 - window_baseline_cpu_us * window_baseline_count * 1e-6;
  const double emu_cpu = cmbench::proc_cpu_s_of(emu.pid()) - emu0;
  const std::uint64_t window_hb = hb1 - hb0;

  quit = true;
  renderer.join();
  const double baseline_cpu_us =
      (baseline_before_us + raw_heartbeat_cpu_us(emu, secret, 2000, "raw-scale-baseline-2")) / 2;
  // Client first, then the ledger: acks that land in between make ledger >= client.
  std::uint64_t client_hb = 0;
  for (auto& s : sessions) client_hb += s->stats().heartbeats_ok;
  // Cross-check with the server's ledger: heartbeats the emulator processed vs acknowledged.
  const std::string ledger = emu.admin("GET", "/admin/ledger");
  std::uint64_t ledger_hb = 0;
  {
    const auto j = nlohmann::json::parse(ledger);
    const auto& rows = j.contains("data") ? j["data"]["sessions"] : j["sessions"];
    for (const auto& r : rows) {
      const std::string sid = r.value("session_id", "");
      if (sid.rfind("raw-scale-", 0) != 0) ledger_hb += r.value("heartbeats", 0ull);
    }
  }

  const auto s0 = Clock::now();
  sessions.clear();
  client.reset();
  const double shutdown_s = secs(s0, Clock::now());

  const double late_p50 = pct(window_late, 0.5), late_p99 = pct(window_late, 0.99),
               late_max = pct(window_late, 1.0);
  const double expected_hb = window_s / interval * n;
  std::printf(
      "{\"sessions\":%d,\"interval_s\":%g,\"window_s\":%.2f,\"start_phase_s\":%.2f,\"start_p50_ms\":%.3f,"
      "\"start_p99_ms\":%.3f,\"heartbeats_window\":%llu,\"heartbeats_expected\":%.0f,\"late_p50_s\":%.4f,"
      "\"late_p99_s\":%.4f,\"late_max_s\":%.4f,\"late_over_1s\":%ld,\"late_all_max_s\":%.4f,"
      "\"scheduler_tid\":%d,\"sdk_threads\":%d,"
      "\"sched_cpu_s\":%.4f,\"sched_cpu_per_hb_us\":%.2f,\"baseline_cpu_per_hb_us\":%.2f,\"window_baseline_cpu_per_hb_us\":%.2f,"
      "\"proc_cpu_per_hb_us\":%.2f,\"rss_one_kib\":%ld,\"rss_n_kib\":%ld,\"rss_per_session_b\":%.0f,"
      "\"connections_max\":%zu,\"connections_new_in_window\":%zu,\"emu_cpu_cores\":%.3f,"
      "\"emu_cpu_per_hb_us\":%.2f,\"emu_threads_max\":%d,\"emu_rss_max_kib\":%ld,"
      "\"ledger_heartbeats\":%llu,\"client_heartbeats\":%llu,\"shutdown_s\":%.3f,\"sdk_warnings\":%ld}\n",
      n, interval, window_s, start_phase_s, pct(start_ms, 0.5), pct(start_ms, 0.99),
      static_cast<unsigned long long>(window_hb), expected_hb, late_p50, late_p99, late_max,
      static_cast<long>(std::count_if(window_late.begin(), window_late.end(), [](double l) { return l > 1.0; })),
      pct(lateness, 1.0), static_cast<int>(sched_tid), threads_sdk, sched_cpu,
      window_hb ? sched_cpu * 1e6 / static_cast<double>(window_hb) : 0.0, baseline_cpu_us, window_baseline_cpu_us,
      window_hb ? proc_cpu * 1e6 / static_cast<double>(window_hb) : 0.0, rss_one, rss_n,
      static_cast<double>(rss_n - rss_one) * 1024.0 / (n - 1), max_conns, new_conns, emu_cpu / window_s,
      window_hb ? emu_cpu * 1e6 / static_cast<double>(window_hb) : 0.0, emu_threads_max, emu_rss_max,
      static_cast<unsigned long long>(ledger_hb), static_cast<unsigned long long>(client_hb), shutdown_s,
      warnings.load());
  return 0;
}
