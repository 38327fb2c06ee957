// The creditmeter demo: a simulated 25 fps renderer metered against a running emulator,
// through start, heartbeats, an offline spell inside the grace, credits running out, pause,
// top-up, resume and stop, printed as a timeline. Run by scripts/demo.sh.
//
//   timeline_demo --base-url http://127.0.0.1:PORT

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <creditmeter/creditmeter.hpp>

#include "admin_client.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const Clock::time_point t0 = Clock::now();
std::mutex out_mutex;

void say(const char* tag, const std::string& text) {
  std::lock_guard<std::mutex> lock(out_mutex);
  const double t = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%6.2fs  %-9s %s\n", t, tag, text.c_str());
  std::fflush(stdout);
}

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

// Waits for `done` with a deadline, printing each acknowledged heartbeat meanwhile.
bool watch(creditmeter::Session& s, const std::function<bool()>& done, std::chrono::milliseconds limit) {
  static std::uint64_t seen_ok = 0, seen_failed = 0;
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    const auto st = s.stats();
    if (st.heartbeats_ok > seen_ok) {
      say("heartbeat", fmt("acknowledged: %.2f s reported, %.4f credits charged, balance %.4f",
                           static_cast<double>(st.reported_ms) / 1000.0, st.credits_charged, st.balance));
    }
    if (st.heartbeats_failed > seen_failed) {
      say("heartbeat", fmt("failed (%.0f so far); grace left %.1f s; may_render=",
                           static_cast<double>(st.heartbeats_failed), static_cast<double>(st.grace_remaining_ms) / 1000.0) +
                           (s.may_render() ? "true" : "false"));
    }
    seen_ok = st.heartbeats_ok;
    seen_failed = st.heartbeats_failed;
    if (done()) return true;
    std::this_thread::sleep_for(50ms);  // a display refresh, not synchronisation
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string base_url = std::getenv("CREDITMETER_BASE_URL") ? std::getenv("CREDITMETER_BASE_URL") : "";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--base-url") == 0 && i + 1 < argc) base_url = argv[++i];
    else {
      std::fprintf(stderr, "usage: timeline_demo --base-url http://127.0.0.1:PORT\n");
      return 2;
    }
  }
  try {
    demo::AdminClient admin(base_url);
    const std::string secret = "sk_demo_" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    admin.call("DELETE", "/admin/faults");  // a clean slate, whatever ran before
    admin.call("POST", "/admin/config", {{"heartbeat_interval_s", 1}, {"offline_grace_s", 5}});
    admin.call("POST", "/admin/accounts", {{"api_secret", secret}, {"plan", "creator"}, {"balance", 0.30}});
    say("setup", "emulator at " + base_url + ": heartbeat every 1 s, offline grace 5 s; account with 0.30 credits");

    creditmeter::ClientOptions options;
    options.base_url = base_url;
    options.api_secret = secret;
    options.journal_dir = "";
    options.log = [](creditmeter::LogLevel, const std::string& m) { say("sdk-log", m); };
    creditmeter::Client client(options);

    const auto summary = client.credit_summary();
    say("balance", fmt("%.2f credits", summary.balance) + " on the " + summary.plan + " plan");
    say("estimate", fmt("at 2 credits per active minute (essence/cloud) that buys %.0f s of rendering",
                        summary.balance / 2.0 * 60.0));

    creditmeter::SessionOptions so;
    so.model = "essence";
    so.surface = "cloud";
    so.on_state_change = [](const creditmeter::StateChange& c) {
      say("STATE", creditmeter::to_string(c.from) + " -> " + creditmeter::to_string(c.to) + " (" +
                       creditmeter::to_string(c.reason) + "): " + c.message);
    };
    auto session = client.start_session(so);
    say("start", "session " + session->id() + " started: token exchanged, rendering at 25 fps");

    std::atomic<bool> quit{false};
    std::atomic<long> frames{0};
    std::thread renderer([&] {
      auto next = Clock::now();
      while (!quit) {
        if (session->may_render()) {  // the gate: never render what cannot be billed
          session->frame();
          ++frames;
        }
        next += 40ms;
        std::this_thread::sleep_until(next);  // the simulated frame time
      }
    });
    creditmeter::Session& s = *session;
    auto is = [&s](creditmeter::SessionState st) { return [&s, st] { return s.state() == st; }; };

    watch(s, [] { return false; }, 2500ms);
    say("network", "OFFLINE: the emulator now refuses every connection");
    admin.call("POST", "/admin/faults", {{"mode", "refuse"}});
    watch(s, [] { return false; }, 2500ms);
    admin.call("DELETE", "/admin/faults");
    say("network", "ONLINE again, 2.5 s later: inside the 5 s grace, rendering never stopped");
    const auto before = s.stats().heartbeats_ok;
    watch(s, [&] { return s.stats().heartbeats_ok > before; }, 5s);
    say("network", "the offline period's usage was delivered in one heartbeat, billed once");

    say("credits", "rendering on until the 0.30 credits run out...");
    if (!watch(s, is(creditmeter::SessionState::paused_billing), 20s)) throw std::runtime_error("credits never ran out");
    const long frames_at_pause = frames;
    watch(s, [] { return false; }, 1000ms);
    say("gate", "may_render() is false: " + std::to_string(frames - frames_at_pause) + " frames rendered in the last second");

    s.pause();
    say("user", "pause(): the app pauses the avatar while the user tops up");
    watch(s, is(creditmeter::SessionState::paused_by_user), 2s);
    admin.call("POST", "/admin/accounts/topup", {{"api_secret", secret}, {"credits", 1.0}});
    say("credits", "topped up 1 credit (the debt is paid first)");
    s.resume();
    say("user", "resume(): an immediate probe asks the server whether billing is back");
    if (!watch(s, is(creditmeter::SessionState::active), 5s)) throw std::runtime_error("the session did not resume");
    watch(s, [] { return false; }, 2000ms);

    s.stop();
    say("stop", "stop(): returns at once; the release goes out with the final usage");
    quit = true;
    renderer.join();
    const bool flushed = client.flush(5s);
    const auto st = s.stats();
    long ledger_ms = -1;
    auto ledger = admin.call("GET", "/admin/ledger");
    if (ledger.contains("data")) ledger = ledger["data"];
    for (const auto& row : ledger.at("sessions")) {
      if (row.at("session_id") == s.id()) ledger_ms = row.at("active_ms").get<long>();
    }
    say("summary", fmt("client metered %.3f s active, server acknowledged %.3f s, ledger holds %.3f s",
                       static_cast<double>(st.active_ms) / 1000.0, static_cast<double>(st.reported_ms) / 1000.0,
                       static_cast<double>(ledger_ms) / 1000.0));
    say("summary", fmt("credits charged %.4f, balance %.4f, frames rendered %.0f", st.credits_charged, st.balance,
                       static_cast<double>(frames.load())));
    const bool exact = flushed && ledger_ms == st.active_ms && st.reported_ms == st.active_ms;
    say("result", exact ? "billed exactly: not one millisecond lost, none billed twice"
                        : "MISMATCH between client and server");
    return exact ? 0 : 1;
  } catch (const std::exception& e) {
    say("error", e.what());
    return 1;
  }
}
