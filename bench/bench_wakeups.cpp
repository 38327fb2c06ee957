// Wake-ups of the SDK's threads (docs/BENCHMARKS.md "Wake-ups"): an idle client must not wake
// up between due times. A wake-up is a context switch of a thread named `creditmeter` (the
// I/O thread) or `creditmeter-cb` (the callback thread), read from the kernel's counters in
// /proc/self/task/<tid>/status (voluntary: it slept and was woken; involuntary: preempted).
// Against the real emulator on 127.0.0.1. Prints one JSON object. Method:
//  - Stage "named": one session renders; around each due time the emulator is frozen
//    (SIGSTOP) so the heartbeat's wake-ups split in two: those until the request is on the
//    wire (the timer, the journal's fdatasync, the send) and those of the answer (after
//    SIGCONT). Run with and without a journal: the difference is the journal sync.
//  - Stage "phases" (the goal): one session with a journal, on_state_change and on_balance,
//    through three phases of one heartbeat each: rendering, paused, idle (active, no frames).
//    For each phase: the wake-ups between due times (the goal: 0) and those of its heartbeat.
//    Due times are the first acknowledgement + k intervals (drift-free cadence).
//  - Stage "many", at the same time: another Client with N sessions rendering; its wake-ups
//    over two whole intervals divided by the heartbeats acknowledged in them.
// Smoke mode (ctest): short intervals, few sessions; it asserts nothing timing-based.
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <creditmeter/creditmeter.hpp>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"

namespace {

using Steady = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;
using nlohmann::json;

struct Switches {
  long voluntary = 0;
  long involuntary = 0;
  long total() const { return voluntary + involuntary; }
  Switches operator-(const Switches& o) const { return {voluntary - o.voluntary, involuntary - o.involuntary}; }
  Switches operator+(const Switches& o) const { return {voluntary + o.voluntary, involuntary + o.involuntary}; }
};

std::string read_line_of(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, prefix.size(), prefix) == 0) return line.substr(prefix.size());
  }
  return {};
}

Switches switches_of(pid_t tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/status";
  return {std::atol(read_line_of(path, "voluntary_ctxt_switches:").c_str()),
          std::atol(read_line_of(path, "nonvoluntary_ctxt_switches:").c_str())};
}

std::string comm_of(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// One Client's SDK threads, told apart from other Clients' by appearing after a snapshot.
struct SdkThreads {
  std::vector<pid_t> io, cb;
  Switches io_now() const {
    Switches s;
    for (pid_t t : io) s = s + switches_of(t);
    return s;
  }
  Switches cb_now() const {
    Switches s;
    for (pid_t t : cb) s = s + switches_of(t);
    return s;
  }
};

SdkThreads sdk_threads_since(const std::vector<pid_t>& before, bool want_cb) {
  SdkThreads out;
  const auto deadline = Steady::now() + std::chrono::seconds(10);
  while (Steady::now() < deadline) {
    out = SdkThreads{};
    for (pid_t t : cmbench::thread_ids()) {
      if (std::find(before.begin(), before.end(), t) != before.end()) continue;
      const std::string name = comm_of(t);
      if (name == "creditmeter") out.io.push_back(t);
      if (name == "creditmeter-cb") out.cb.push_back(t);
    }
    if (!out.io.empty() && (!want_cb || !out.cb.empty())) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a thread list: no SDK wake-up
  }
  std::fprintf(stderr, "bench_wakeups: the SDK's threads did not appear\n");
  std::exit(1);
}

struct Sample {
  Switches io, cb;
};
Sample sample(const SdkThreads& t) { return {t.io_now(), t.cb_now()}; }
json delta(const Sample& a, const Sample& b) {
  const Switches io = b.io - a.io, cb = b.cb - a.cb;
  return {{"io_voluntary", io.voluntary}, {"io_involuntary", io.involuntary}, {"cb_voluntary", cb.voluntary},
          {"cb_involuntary", cb.involuntary}, {"total", io.total() + cb.total()}, {"seconds", 0.0}};
}
json delta(const Sample& a, const Sample& b, Steady::time_point ta, Steady::time_point tb) {
  json d = delta(a, b);
  d["seconds"] = Seconds(tb - ta).count();
  return d;
}

// A metered Client of the bench, its sessions, their renderer and the SDK's threads.
struct Metered {
  std::unique_ptr<creditmeter::Client> client;
  std::vector<std::unique_ptr<creditmeter::Session>> sessions;
  SdkThreads threads;
  std::atomic<bool> rendering{true};
  std::atomic<bool> quit{false};
  std::thread renderer;
  std::atomic<long> warnings{0};

  Metered(const cmbench::Emulator& emu, const std::string& secret, int n, const std::string& journal_dir,
          bool callbacks, std::chrono::milliseconds frame_every) {
    creditmeter::ClientOptions o;
    o.base_url = emu.url();
    o.api_secret = secret;
    o.journal_dir = journal_dir;
    o.shutdown_timeout = std::chrono::seconds(30);
    o.log = [this](creditmeter::LogLevel level, const std::string& m) {
      if (level >= creditmeter::LogLevel::warning && warnings.fetch_add(1) < 5) std::fprintf(stderr, "sdk: %s\n", m.c_str());
    };
    client = std::make_unique<creditmeter::Client>(o);
    const auto before = cmbench::thread_ids();
    creditmeter::SessionOptions so;
    if (callbacks) {
      so.on_state_change = [](const creditmeter::StateChange&) {};
      so.on_balance = [](const creditmeter::BalanceUpdate&) {};
    }
    for (int i = 0; i < n; ++i) sessions.push_back(client->start_session(so));
    threads = sdk_threads_since(before, callbacks);
    renderer = std::thread([this, frame_every] {
      while (!quit.load()) {
        if (rendering.load()) {
          for (auto& s : sessions) s->frame();
        }
        std::this_thread::sleep_for(frame_every);
      }
    });
  }
  ~Metered() {
    quit = true;
    renderer.join();
    sessions.clear();
    client.reset();
  }
  std::uint64_t acked() const {
    std::uint64_t n = 0;
    for (const auto& s : sessions) n += s->stats().heartbeats_ok;
    return n;
  }
  // The time the acknowledged count passed `count` (polled every 2 ms: only the bench's thread
  // runs; the SDK's are not disturbed).
  Steady::time_point wait_acked_above(std::uint64_t count, Seconds timeout) const {
    const auto deadline = Steady::now() + std::chrono::duration_cast<Steady::duration>(timeout);
    while (acked() <= count) {
      if (Steady::now() > deadline) {
        std::fprintf(stderr, "bench_wakeups: no heartbeat acknowledged in time\n");
        std::exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return Steady::now();
  }
};

Steady::time_point at(Steady::time_point base, double seconds) {
  return base + std::chrono::duration_cast<Steady::duration>(Seconds(seconds));
}

// Stage "named": the wake-ups of one heartbeat split at the moment the request is on the wire.
json named_stage(cmbench::Emulator& emu, const std::string& secret, double interval, int heartbeats,
                 const std::string& journal_dir) {
  Metered m(emu, secret, 1, journal_dir, /*callbacks=*/false, std::chrono::milliseconds(16));
  const Steady::time_point first = m.wait_acked_above(0, Seconds(interval + 30));
  json due = json::array(), answer = json::array(), between = json::array();
  Sample last{};
  Steady::time_point last_t{};
  for (int k = 1; k <= heartbeats; ++k) {
    const Steady::time_point due_at = at(first, k * interval);
    std::this_thread::sleep_until(at(due_at, -0.3 * interval));
    kill(emu.pid(), SIGSTOP);  // the request will wait in the kernel's socket buffers
    std::this_thread::sleep_until(at(due_at, -0.25 * interval));
    const Sample s0 = sample(m.threads);
    if (k > 1) between.push_back(delta(last, s0, last_t, at(due_at, -0.25 * interval)));
    const std::uint64_t before = m.acked();
    std::this_thread::sleep_until(at(due_at, 0.25 * interval));
    const Sample s1 = sample(m.threads);
    kill(emu.pid(), SIGCONT);
    m.wait_acked_above(before, Seconds(interval + 30));
    std::this_thread::sleep_for(Seconds(0.1 * interval));
    last = sample(m.threads);
    last_t = Steady::now();
    due.push_back(delta(s0, s1));
    answer.push_back(delta(s1, last));
  }
  return {{"journal", !journal_dir.empty()}, {"interval_s", interval}, {"until_sent", due}, {"answer", answer},
          {"between", between}};
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  double interval = 60;
  int many = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") smoke = true;
    else if (a == "--interval" && i + 1 < argc) interval = std::atof(argv[++i]);
    else if (a == "--sessions" && i + 1 < argc) many = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_wakeups [--smoke] [--interval S] [--sessions N]\n");
      return 2;
    }
  }
  if (smoke) {
    interval = std::min(interval, 2.0);
    many = std::min(many, 50);
  }
  const double named_interval = smoke ? 1.0 : 6.0;  // 6 s: past the server's 5 s keep-alive, like the goal's 60 s
  const int named_heartbeats = smoke ? 1 : 3;
  const double g = std::min(1.0, interval / 8);  // margin around a due time and an answer

  const std::string secret = "bench-wakeups";
  cmbench::Emulator emu({"--threads", "64", "--max-threads", "4096"});
  emu.create_account(secret, 1e12, many + 100);
  const auto dir = std::filesystem::temp_directory_path() / ("cm-bench-wakeups-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // Removed last, after every Client (declared later, destroyed first) let go of its journal.
  struct RemoveAtExit {
    std::filesystem::path path;
    ~RemoveAtExit() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_at_exit{dir};
  json out;
  out["smoke"] = smoke;

  // --- named --------------------------------------------------------------------------
  emu.admin("POST", "/admin/config", "{\"heartbeat_interval_s\":" + std::to_string(named_interval) + ",\"offline_grace_s\":300}");
  out["named"] = {named_stage(emu, secret, named_interval, named_heartbeats, (dir / "named").string()),
                  named_stage(emu, secret, named_interval, named_heartbeats, "")};

  // --- phases (one session) and many sessions, at the same time -------------------------------
  emu.admin("POST", "/admin/config",
            "{\"heartbeat_interval_s\":" + std::to_string(interval) + ",\"offline_grace_s\":" +
                std::to_string(std::max(300.0, 5 * interval)) + "}");
  Metered one(emu, secret, 1, (dir / "one").string(), /*callbacks=*/true, std::chrono::milliseconds(16));
  Metered lots(emu, secret, many, (dir / "many").string(), /*callbacks=*/true, std::chrono::milliseconds(50));
  const Steady::time_point lots_started = Steady::now();
  const Steady::time_point first = one.wait_acked_above(0, Seconds(interval + 30));

  // "many": two whole intervals starting mid-way between due bursts.
  json many_json;
  std::thread many_thread([&] {
    const Steady::time_point w0 = at(lots_started, 1.5 * interval), w1 = at(w0, 2 * interval);
    std::this_thread::sleep_until(w0);
    const Sample a = sample(lots.threads);
    const std::uint64_t acked_a = lots.acked();
    std::this_thread::sleep_until(w1);
    const Sample b = sample(lots.threads);
    const std::uint64_t acked_b = lots.acked();
    many_json = delta(a, b, w0, w1);
    many_json["sessions"] = many;
    many_json["heartbeats"] = acked_b - acked_a;
    many_json["io_threads"] = lots.threads.io.size();
  });

  json phases = json::array();
  const char* names[] = {"rendering", "paused", "idle"};
  std::this_thread::sleep_until(at(first, g));
  Sample s = sample(one.threads);
  Steady::time_point t = Steady::now();
  for (int k = 1; k <= 3; ++k) {
    const Steady::time_point due_at = at(first, k * interval);
    std::this_thread::sleep_until(at(due_at, -g));
    const Sample q = sample(one.threads);
    const Steady::time_point tq = Steady::now();
    const std::uint64_t before = one.acked();
    json quiet = delta(s, q, t, tq);
    one.wait_acked_above(before, Seconds(interval + 30));
    std::this_thread::sleep_for(Seconds(g));
    const Sample h = sample(one.threads);
    json phase = {{"phase", names[k - 1]}, {"between_due_times", quiet}, {"heartbeat", delta(q, h, tq, Steady::now())}};
    // The user's call that starts the next phase wakes the threads once (it changes the state).
    Sample c0 = h, c1 = h;
    if (k == 1) {
      one.rendering = false;
      one.sessions[0]->pause();
    } else if (k == 2) {
      one.sessions[0]->resume();
    }
    if (k < 3) {
      std::this_thread::sleep_for(Seconds(g));
      c1 = sample(one.threads);
      phase["next_phase_call"] = delta(c0, c1);
    }
    s = c1;
    t = Steady::now();
    phases.push_back(phase);
  }
  many_thread.join();
  out["phases"] = phases;
  out["many"] = many_json;
  out["interval_s"] = interval;
  out["margin_s"] = g;
  out["server_keep_alive_s"] = 5;
  out["sdk_warnings"] = one.warnings.load() + lots.warnings.load();
  std::printf("%s\n", out.dump(1).c_str());
  return 0;
}
