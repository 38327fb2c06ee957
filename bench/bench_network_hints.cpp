// Network hints (docs/BENCHMARKS.md "Network hints"): what Client::network_changed() buys a
// mobile app, against the same outage without the hint, in the same run, with the real
// emulator on 127.0.0.1 (its `refuse` fault is the network being gone). Prints one JSON object.
//  - "back": a session's heartbeat fails through an outage of `outage_s`; the network comes
//    back (faults cleared). Measured: the time from that moment to the heartbeat's
//    acknowledgement, with network_changed(true) said at that moment, and without (the retry
//    waits for its backoff).
//  - "gone": an outage starts; counted: the attempts that fail in the first `window_s`, with
//    network_changed(false) said at its start (retries wait for the slow probe), and without.
// Each trial uses a new session, so every backoff starts from its first retry. The outage
// and window lengths are the scenario (an outage lasts that long), not synchronisation.
// Smoke mode (ctest): short outages, one trial; it asserts nothing timing-based.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <creditmeter/creditmeter.hpp>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"

namespace {

using Steady = std::chrono::steady_clock;
using nlohmann::json;
using namespace std::chrono_literals;

const char* kSecret = "bench-hints";

struct Settings {
  int trials = 3;
  double outage_s = 8;
  double window_s = 20;
};

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = Steady::now() + limit;
  while (!pred()) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// A session that renders (frames from a thread) so that every heartbeat carries usage.
class RenderingSession {
 public:
  explicit RenderingSession(creditmeter::Client& client) : session_(client.start_session()) {
    renderer_ = std::thread([this] {
      while (!done_.load()) {
        session_->frame();
        std::this_thread::sleep_for(10ms);
      }
    });
    // Some usage to report before the outage starts.
    wait_for([&] { return session_->stats().active_ms >= 50; }, 10s);
  }
  ~RenderingSession() {
    done_ = true;
    renderer_.join();
    session_->stop();
  }
  creditmeter::Session& operator*() { return *session_; }
  creditmeter::Session* operator->() { return session_.get(); }

 private:
  std::shared_ptr<creditmeter::Session> session_;
  std::atomic<bool> done_{false};
  std::thread renderer_;
};

void outage_starts(cmbench::Emulator& emu) { emu.admin("POST", "/admin/faults", R"({"mode":"refuse"})"); }
void outage_ends(cmbench::Emulator& emu) { emu.admin("DELETE", "/admin/faults"); }

// Milliseconds from the network's return to the acknowledgement of the waiting heartbeat.
double back_trial(cmbench::Emulator& emu, creditmeter::Client& client, const Settings& s, bool hint) {
  RenderingSession session(client);
  outage_starts(emu);
  client.flush(0ms);  // the heartbeat goes now, and fails
  wait_for([&] { return session->stats().heartbeats_failed >= 1; }, 10s);
  std::this_thread::sleep_for(std::chrono::duration<double>(s.outage_s));
  const auto acked_before = session->stats().heartbeats_ok;
  outage_ends(emu);
  const auto back = Steady::now();
  if (hint) client.network_changed(true);
  wait_for([&] { return session->stats().heartbeats_ok > acked_before; }, 120s);
  const double ms = std::chrono::duration<double, std::milli>(Steady::now() - back).count();
  return ms;
}

// Failed attempts in the first window_s of an outage.
std::uint64_t gone_trial(cmbench::Emulator& emu, creditmeter::Client& client, const Settings& s, bool hint) {
  RenderingSession session(client);
  outage_starts(emu);
  if (hint) client.network_changed(false);
  client.flush(0ms);  // the heartbeat goes now (flush overrides the hint), and fails
  std::this_thread::sleep_for(std::chrono::duration<double>(s.window_s));
  const std::uint64_t failed = session->stats().heartbeats_failed;
  outage_ends(emu);
  if (hint) client.network_changed(true);
  return failed;
}

json summary(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {{"runs", v}, {"median", v[v.size() / 2]}, {"max", v.back()}};
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) s = Settings{1, 1, 2};
  }
  cmbench::Emulator emu;
  emu.create_account(kSecret, 1e6, 1000);
  emu.admin("POST", "/admin/config", R"({"heartbeat_interval_s":60,"offline_grace_s":600})");

  creditmeter::ClientOptions options;
  options.base_url = emu.url();
  options.api_secret = kSecret;
  options.journal_dir = "";
  options.shutdown_timeout = 2s;
  options.log = [](creditmeter::LogLevel, const std::string&) {};  // the outages are expected
  creditmeter::Client client(options);

  std::vector<double> back_hint, back_none, gone_hint, gone_none;
  for (int t = 0; t < s.trials; ++t) {
    back_hint.push_back(back_trial(emu, client, s, true));
    back_none.push_back(back_trial(emu, client, s, false));
    gone_hint.push_back(static_cast<double>(gone_trial(emu, client, s, true)));
    gone_none.push_back(static_cast<double>(gone_trial(emu, client, s, false)));
  }
  const bool flushed = client.flush(10s);
  json out = {
      {"outage_s", s.outage_s},
      {"window_s", s.window_s},
      {"trials", s.trials},
      {"back_ms", {{"hint", summary(back_hint)}, {"no_hint", summary(back_none)}}},
      {"gone_attempts", {{"hint", summary(gone_hint)}, {"no_hint", summary(gone_none)}}},
      {"all_acknowledged", flushed},
  };
  std::printf("%s\n", out.dump(2).c_str());
  return flushed ? 0 : 1;
}
