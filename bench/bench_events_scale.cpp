// Usage events at scale (docs/BENCHMARKS.md "Usage events at scale"): one Client, N sessions
// each recording R events a second for D seconds against the emulator, as an engine's avatars
// would record their LLM requests. Prints one JSON object. Method:
//  - The sessions start first (and render: a frame on every session every 40 ms, so heartbeats
//    carry usage beside the events). One recorder thread then calls record() on each session
//    R times a second, the sessions' turns spread evenly, and keeps every returned id with the
//    time record() returned.
//  - Acknowledgement is observed client-side: every 5 ms each session's stats() is read; a
//    session's events settle in the order they were recorded (its batches are prefixes of its
//    queue), so when events_acknowledged + events_rejected reaches k, its first k events are
//    settled. latency = the poll that saw it - the time record() returned (includes <= 5 ms of
//    polling granularity). Goal: p99 <= the batch delay + 1 s.
//  - At the end every session stops and the client flushes; the emulator's ledger is then
//    compared with the client's ids: every recorded id charged (none lost), each once (none
//    twice: no id twice in the ledger, and no id the client did not record).
// Exit status 1 when an event is lost or charged twice (the smoke run in ctest checks that;
// it never gates on timing).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <creditmeter/creditmeter.hpp>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
const char* kSecret = "bench-events-scale";
const char* kAction = "api_request";  // 0.1 credits a request on the emulator's price list

struct Settings {
  int sessions = 100;
  double rate_hz = 10;
  double duration_s = 60;
  int batch_delay_ms = 1000;  // the SDK's default (ClientOptions::event_batch_delay)
};

Settings parse(int argc, char** argv) {
  Settings s;
  s.batch_delay_ms = static_cast<int>(creditmeter::ClientOptions().event_batch_delay.count());
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--sessions") {
      s.sessions = std::atoi(next());
    } else if (a == "--rate") {
      s.rate_hz = std::atof(next());
    } else if (a == "--duration") {
      s.duration_s = std::atof(next());
    } else if (a == "--smoke") {
      s.sessions = 10;
      s.duration_s = 3;
    } else {
      std::fprintf(stderr, "usage: bench_events_scale [--sessions N] [--rate HZ] [--duration S] [--smoke]\n");
      std::exit(2);
    }
  }
  if (s.sessions < 1 || s.rate_hz <= 0 || s.duration_s <= 0) {
    std::fprintf(stderr, "bench_events_scale: bad settings\n");
    std::exit(2);
  }
  return s;
}

// One session's events as the recorder and the poller see them. The recorder writes times[k]
// and ids[k] before publishing k + 1 in `count` (release); the poller reads up to `count`.
struct Track {
  std::vector<Clock::time_point> times;
  std::vector<std::string> ids;
  std::atomic<std::size_t> count{0};
  std::size_t settled_seen = 0;  // the poller's
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  const Settings set = parse(argc, argv);
  cmbench::Emulator emu({"--threads", "8"});
  emu.create_account(kSecret, 1e12, set.sessions + 10);

  creditmeter::ClientOptions o;
  o.base_url = emu.url();
  o.api_secret = kSecret;
  o.journal_dir = "";
  o.shutdown_timeout = 5s;
  const auto per_session = static_cast<std::size_t>(set.rate_hz * set.duration_s) + 2;

  nlohmann::json out;
  int rc = 0;
  {
    creditmeter::Client client(o);
    std::vector<std::unique_ptr<creditmeter::Session>> sessions;
    std::vector<std::unique_ptr<Track>> tracks;
    for (int i = 0; i < set.sessions; ++i) {
      sessions.push_back(client.start_session());
      tracks.push_back(std::make_unique<Track>());
      tracks.back()->times.resize(per_session);
      tracks.back()->ids.resize(per_session);
    }

    std::atomic<bool> recording{true};
    std::atomic<bool> polling{true};
    std::vector<double> latency_ms;
    latency_ms.reserve(per_session * sessions.size());
    const double cpu0 = cmbench::process_cpu_s();
    const Clock::time_point t0 = Clock::now();
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / set.rate_hz));
    const Clock::time_point end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(set.duration_s));
    std::uint64_t late_records = 0;  // record() calls more than 50 ms behind their turn (a starved recorder)

    std::thread recorder([&] {
      const auto n = static_cast<long>(sessions.size());
      std::vector<Clock::time_point> next(sessions.size());
      for (long i = 0; i < n; ++i) next[static_cast<std::size_t>(i)] = t0 + period * i / n;
      Clock::time_point next_frame = t0;
      for (;;) {
        const Clock::time_point now = Clock::now();
        if (now >= end) break;
        if (now >= next_frame) {
          for (auto& s : sessions) s->frame();
          next_frame += 40ms;
        }
        Clock::time_point soonest = std::min(end, next_frame);
        for (std::size_t i = 0; i < sessions.size(); ++i) {
          Track& t = *tracks[i];
          while (next[i] <= now && next[i] < end) {
            const std::size_t k = t.count.load(std::memory_order_relaxed);
            if (k >= per_session) break;
            if (now - next[i] > 50ms) ++late_records;
            t.ids[k] = sessions[i]->record(kAction, 1.0);
            t.times[k] = Clock::now();
            t.count.store(k + 1, std::memory_order_release);
            next[i] += period;
          }
          soonest = std::min(soonest, next[i]);
        }
        std::this_thread::sleep_until(soonest);
      }
      recording = false;
    });

    std::thread poller([&] {
      while (polling.load()) {
        for (std::size_t i = 0; i < sessions.size(); ++i) {
          Track& t = *tracks[i];
          const creditmeter::SessionStats st = sessions[i]->stats();
          const Clock::time_point seen = Clock::now();
          const std::size_t recorded = t.count.load(std::memory_order_acquire);
          const auto settled = std::min<std::size_t>(st.events_acknowledged + st.events_rejected, recorded);
          for (; t.settled_seen < settled; ++t.settled_seen) latency_ms.push_back(ms_between(t.times[t.settled_seen], seen));
        }
        std::this_thread::sleep_for(5ms);
      }
    });

    recorder.join();
    // Wait (deadline: the batch delay + 30 s) for every event recorded to settle.
    const Clock::time_point settle_deadline = Clock::now() + std::chrono::milliseconds(set.batch_delay_ms) + 30s;
    std::size_t recorded_total = 0;
    for (auto& t : tracks) recorded_total += t->count.load();
    while (Clock::now() < settle_deadline) {
      std::uint64_t settled = 0;
      for (auto& s : sessions) {
        const auto st = s->stats();
        settled += st.events_acknowledged + st.events_rejected;
      }
      if (settled >= recorded_total) break;
      std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(20ms);  // one more poll of the poller sees the last settlement
    polling = false;
    poller.join();
    const double wall = ms_between(t0, Clock::now()) / 1e3;
    const double cpu = cmbench::process_cpu_s() - cpu0;

    for (auto& s : sessions) s->stop();
    const bool flushed = client.flush(60s);
    std::uint64_t acknowledged = 0, rejected = 0, pending = 0;
    for (auto& s : sessions) {
      const auto st = s->stats();
      acknowledged += st.events_acknowledged;
      rejected += st.events_rejected;
      pending += st.events_pending;
    }

    // The ledger against the client's ids.
    std::set<std::string> ours;
    for (auto& t : tracks) {
      for (std::size_t k = 0; k < t->count.load(); ++k) ours.insert(t->ids[k]);
    }
    const auto ledger = nlohmann::json::parse(emu.admin("GET", "/admin/ledger"));
    const auto& data = ledger.contains("data") ? ledger["data"] : ledger;
    std::map<std::string, int> charged;
    for (const auto& e : data["events"]) ++charged[e["event_id"].get<std::string>()];
    std::uint64_t twice = 0, foreign = 0, lost = 0;
    for (const auto& [id, n] : charged) {
      if (n > 1) twice += static_cast<std::uint64_t>(n - 1);
      if (ours.count(id) == 0) ++foreign;
    }
    for (const auto& id : ours) lost += charged.count(id) == 0 ? 1 : 0;

    out = {{"sessions", set.sessions},
           {"rate_hz", set.rate_hz},
           {"duration_s", set.duration_s},
           {"batch_delay_ms", set.batch_delay_ms},
           {"recorded", recorded_total},
           {"ids_distinct", ours.size()},
           {"acknowledged", acknowledged},
           {"rejected", rejected},
           {"pending_after_flush", pending},
           {"flushed", flushed},
           {"ledger_events", data["events"].size()},
           {"lost", lost},
           {"charged_twice", twice},
           {"not_recorded_by_client", foreign},
           {"latency_n", latency_ms.size()},
           {"latency_p50_ms", pct(latency_ms, 0.5)},
           {"latency_p99_ms", pct(latency_ms, 0.99)},
           {"latency_max_ms", pct(latency_ms, 1.0)},
           {"late_records", late_records},
           {"process_cpu_s", cpu},
           {"wall_s", wall}};
    const bool exact = lost == 0 && twice == 0 && foreign == 0 && ours.size() == recorded_total &&
                       acknowledged == recorded_total && flushed;
    out["exact"] = exact;
    if (!exact) rc = 1;
  }
  std::printf("%s\n", out.dump().c_str());
  if (rc != 0) std::fprintf(stderr, "bench_events_scale: an event was lost or charged twice\n");
  return rc;
}
