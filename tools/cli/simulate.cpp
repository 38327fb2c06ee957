// creditmeter simulate: a simulated avatar renderer metered against a real server, end to end:
// token exchange, heartbeats, gating on may_render(), stop, flush, and what the server billed.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "event_schedule.hpp"
#include "event_spec.hpp"

namespace cli {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Ctrl-C (or SIGTERM) ends the run early but still stops, flushes and summarises: the usage
// is billed either way. SA_RESETHAND: a second Ctrl-C kills at once (the journal keeps usage).
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// The defaults of this command's own options (the session's come from SessionOptions).
constexpr const char* kDefaultFps = "25";
constexpr const char* kDefaultInterval = "5s";
constexpr const char* kDefaultFlushTimeout = "10s";

struct Plan {
  // model, surface, max_credits (the spending cap) and low_balance_minutes (the low-balance
  // alert's threshold) from the command line; the rest keeps the SDK's defaults.
  creditmeter::SessionOptions session;
  milliseconds duration{};
  int fps = 0;
  milliseconds interval{};       // plain progress lines (not a terminal)
  milliseconds flush_timeout{};  // how long the final delivery may take
  std::vector<EventSpec> events;  // --event, in the order given
  bool json = false;
};

// A default for the help text: "5", "2.5".
std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// JSON has no infinity: a free session's minutes_left is null.
nlohmann::json json_minutes(double minutes) {
  if (!std::isfinite(minutes)) return nullptr;
  return minutes;
}

Plan read_plan(const ParsedArgs& args) {
  Plan plan;
  plan.session.model = args.get("model", plan.session.model);
  plan.session.surface = args.get("surface", plan.session.surface);
  if (!args.has("duration")) throw UsageError("simulate needs --duration (e.g. --duration 2m)");
  plan.duration = parse_duration(args.get("duration"));
  if (plan.duration.count() <= 0) throw UsageError("--duration must be longer than 0");
  plan.fps = static_cast<int>(parse_count(args.get("fps", kDefaultFps), 1, 1000, "--fps"));
  plan.interval = parse_duration(args.get("interval", kDefaultInterval));
  if (plan.interval.count() <= 0) throw UsageError("--interval must be longer than 0");
  plan.flush_timeout = parse_duration(args.get("flush-timeout", kDefaultFlushTimeout));
  plan.json = args.has("json");
  if (args.has("max-credits")) plan.session.max_credits = parse_amount(args.get("max-credits"), "--max-credits");
  if (args.has("low-balance-minutes")) {
    plan.session.low_balance_minutes = parse_amount(args.get("low-balance-minutes"), "--low-balance-minutes");
  }
  for (const std::string& text : args.all("event")) plan.events.push_back(parse_event_spec(text));
  return plan;
}

// The simulated engine: one renderer thread producing `fps` frames a second, but only while
// the session may render, exactly as a real engine must gate itself.
class Renderer {
 public:
  Renderer(creditmeter::Session& session, int fps) : thread_([this, &session, fps] { run(session, fps); }) {}
  ~Renderer() { stop(); }
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  void stop() {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
  }
  long frames() const { return frames_; }

 private:
  void run(creditmeter::Session& session, int fps) {
    const auto period = std::chrono::nanoseconds(1'000'000'000LL / fps);
    auto next = Clock::now();
    while (!quit_) {
      if (session.may_render()) {
        session.frame();
        ++frames_;
      }
      next += period;
      const auto now = Clock::now();
      if (next < now) next = now;  // fell behind (a stalled machine): no burst of catch-up frames
      std::this_thread::sleep_until(next);  // the simulated frame time
    }
  }

  std::atomic<bool> quit_{false};
  std::atomic<long> frames_{0};
  std::thread thread_;  // last: starts once the counters above exist
};

// Rows stamped with their time since the start, in order, from any thread (the state changes
// and the low-balance alerts, for the summary and --json).
class TimedRows {
 public:
  explicit TimedRows(Clock::time_point t0) : t0_(t0) {}
  nlohmann::json add(nlohmann::json row) {
    row["at_ms"] = std::chrono::duration_cast<milliseconds>(Clock::now() - t0_).count();
    std::lock_guard<std::mutex> lock(mutex_);
    rows_.push_back(row);
    return row;
  }
  nlohmann::json all() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return rows_;
  }
  // The rows added since the last call.
  std::vector<nlohmann::json> take_new() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<nlohmann::json> fresh(rows_.begin() + static_cast<std::ptrdiff_t>(taken_), rows_.end());
    taken_ = rows_.size();
    return fresh;
  }

 private:
  const Clock::time_point t0_;
  mutable std::mutex mutex_;
  nlohmann::json rows_ = nlohmann::json::array();
  std::size_t taken_ = 0;
};

// The session's counters as JSON: the one place to extend when SessionStats grows.
nlohmann::json stats_json(const creditmeter::SessionStats& s) {
  return {{"active_ms", s.active_ms},         {"reported_ms", s.reported_ms},
          {"credits_charged", s.credits_charged}, {"balance", s.balance},
          {"heartbeats_ok", s.heartbeats_ok}, {"heartbeats_failed", s.heartbeats_failed},
          {"grace_remaining_ms", s.grace_remaining_ms},
          {"minutes_left", json_minutes(s.minutes_left)},
          {"heartbeats_retried", s.heartbeats_retried},
          {"last_error", s.last_error},
          {"last_error_reason", creditmeter::to_string(s.last_error_reason)},
          {"events_recorded", s.events_recorded},
          {"events_acknowledged", s.events_acknowledged},
          {"events_rejected", s.events_rejected},
          {"events_pending", s.events_pending},
          {"unit", s.unit},
          {"events_credits_charged", s.events_credits_charged},
          {"time_credits_charged", s.credits_charged - s.events_credits_charged}};
}

std::string progress(const creditmeter::Session& session, milliseconds elapsed, milliseconds total) {
  const creditmeter::SessionStats s = session.stats();
  return human_duration(elapsed.count()) + "/" + human_duration(total.count()) + "  " +
         creditmeter::to_string(session.state()) + "  active " + human_duration(s.active_ms) +
         (s.events_recorded == 0 ? "" : "  events " + std::to_string(s.events_recorded)) + "  charged " +
         money_short(s.credits_charged, s.unit) + "  balance " + money_short(s.balance, s.unit) + "  left " +
         human_minutes(s.minutes_left) + "  grace left " + human_duration(s.grace_remaining_ms);
}

// A hold still in force at the end of the run says why the avatar was not rendering.
int exit_code_for_hold(creditmeter::SessionState state, creditmeter::Reason reason) {
  using creditmeter::Reason;
  using creditmeter::SessionState;
  if (state != SessionState::paused_billing && state != SessionState::paused_offline) return kOk;
  switch (reason) {
    case Reason::authentication_failed: return kAuthentication;
    case Reason::insufficient_credits:
    case Reason::spend_cap: return kInsufficientCredits;
    case Reason::offline:
    case Reason::grace_expired: return kNetwork;
    default: return state == SessionState::paused_offline ? kNetwork : kOther;
  }
}

int run_simulate(const ParsedArgs& args, Console& console) {
  const Plan plan = read_plan(args);  // usage errors before any network call
  const Clock::time_point t0 = Clock::now();
  TimedRows transitions(t0);
  TimedRows alerts(t0);
  TimedRows rejections(t0);
  creditmeter::Client client(client_options(args, console));

  creditmeter::SessionOptions session_options = plan.session;
  // Given at start, so not even the first transition is missed.
  session_options.on_state_change = [&transitions, &console, json = plan.json](const creditmeter::StateChange& c) {
    const nlohmann::json row = transitions.add({{"from", creditmeter::to_string(c.from)},
                                                {"to", creditmeter::to_string(c.to)},
                                                {"reason", creditmeter::to_string(c.reason)},
                                                {"message", c.message}});
    if (!json) {
      console.line("state: " + row["from"].get<std::string>() + " -> " + row["to"].get<std::string>() + " (" +
                   row["reason"].get<std::string>() + ")" +
                   (c.message.empty() || c.message == row["reason"] ? "" : ": " + c.message));
    }
  };
  // Printed by the main loop (print_alerts), which knows the account's unit.
  session_options.on_low_balance = [&alerts](const creditmeter::BalanceUpdate& b) {
    alerts.add({{"balance", b.balance}, {"minutes_left", json_minutes(b.minutes_left)}});
  };
  session_options.on_event_rejected = [&rejections, &console, json = plan.json](const creditmeter::RejectedEvent& e) {
    rejections.add({{"event_id", e.event_id}, {"action", e.action}, {"quantity", e.quantity},
                    {"code", e.code}, {"message", e.message}});
    if (!json) console.line("event rejected: " + e.action + " (" + e.code + "): " + e.message);
  };
  const std::unique_ptr<creditmeter::Session> session = client.start_session(session_options);
  const std::string unit = session->stats().unit;  // the token answer's
  const auto print_alerts = [&] {
    for (const nlohmann::json& a : alerts.take_new()) {
      if (plan.json) continue;
      const double minutes = a["minutes_left"].is_null() ? INFINITY : a["minutes_left"].get<double>();
      console.line("low balance: " + money(a["balance"].get<double>(), unit) + " left, about " +
                   human_minutes(minutes) + " of runtime at this rate: top up");
    }
  };
  if (!plan.json) {
    console.line("session " + session->id() + " started: " + plan.session.model + "/" + plan.session.surface + " at " +
                 std::to_string(plan.fps) + " fps for " + human_duration(plan.duration.count()));
  }

  catch_interrupts();
  Renderer renderer(*session, plan.fps);
  const Clock::time_point start = Clock::now();
  EventSchedule events(plan.events, start);
  Clock::time_point next_line = start + plan.interval;
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (g_interrupted || now >= start + plan.duration) break;
    events.record_due(*session, now);
    print_alerts();
    const auto elapsed = std::chrono::duration_cast<milliseconds>(now - start);
    if (console.live()) {
      console.status(progress(*session, elapsed, plan.duration));
    } else if (!plan.json && now >= next_line) {
      console.line(progress(*session, elapsed, plan.duration));
      next_line += plan.interval;
    }
    // A display refresh, not synchronisation: the SDK needs nothing from this thread.
    std::this_thread::sleep_until(std::min({start + plan.duration, now + milliseconds(250), events.next_due()}));
  }
  const auto ran = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  if (console.live()) console.status(progress(*session, ran, plan.duration));
  console.end_status();

  // What held the avatar at the end, read before stop() replaces it with `stopped`.
  const creditmeter::SessionState end_state = session->state();
  const creditmeter::Reason end_reason = session->reason();
  renderer.stop();
  session->stop();
  const bool flushed = client.flush(plan.flush_timeout);
  const creditmeter::SessionStats stats = session->stats();
  print_alerts();
  // Every metered millisecond and every recorded event settled (acknowledged or rejected).
  const bool exact = stats.reported_ms == stats.active_ms && stats.events_pending == 0;

  int code = exit_code_for_hold(end_state, end_reason);
  if (code == kOk && !(flushed && exact)) code = kBillingIncomplete;

  if (plan.json) {
    nlohmann::json out = {{"session_id", session->id()},
                          {"model", plan.session.model},
                          {"surface", plan.session.surface},
                          {"duration_ms", plan.duration.count()},
                          {"ran_ms", ran.count()},
                          {"interrupted", g_interrupted != 0},
                          {"fps", plan.fps},
                          {"frames", renderer.frames()},
                          {"end_state", creditmeter::to_string(end_state)},
                          {"end_reason", creditmeter::to_string(end_reason)},
                          {"state", creditmeter::to_string(session->state())},
                          {"flushed", flushed},
                          {"state_changes", transitions.all()},
                          {"low_balance_alerts", alerts.all()},
                          {"events", events.json()},
                          {"rejected_events", rejections.all()},
                          {"max_credits", plan.session.max_credits ? nlohmann::json(*plan.session.max_credits)
                                                                   : nlohmann::json()},
                          {"low_balance_minutes", plan.session.low_balance_minutes},
                          {"exit_code", code}};
    out.update(stats_json(stats));
    console.line(out.dump());
    return code;
  }
  console.line("summary" + std::string(g_interrupted ? " (interrupted)" : "") + ":");
  console.line("  session      " + session->id());
  console.line("  ran          " + human_duration(ran.count()) + ", " + std::to_string(renderer.frames()) + " frames");
  console.line("  active       " + std::to_string(stats.active_ms) + " ms metered, " +
               std::to_string(stats.reported_ms) + " ms acknowledged by the server");
  if (!events.empty()) {
    console.line("  events       " + std::to_string(stats.events_recorded) + " recorded, " +
                 std::to_string(stats.events_acknowledged) + " acknowledged (charged), " +
                 std::to_string(stats.events_rejected) + " rejected, " + std::to_string(stats.events_pending) +
                 " pending" + (events.skipped() == 0 ? "" : "; " + std::to_string(events.skipped()) +
                                                                " not recorded while paused"));
  }
  console.line("  charged      " + money(stats.credits_charged, unit) +
               (stats.events_recorded == 0 ? ""
                                           : " (time " + money(stats.credits_charged - stats.events_credits_charged, unit) +
                                                 ", events " + money(stats.events_credits_charged, unit) + ")") +
               (plan.session.max_credits ? " (cap " + credits(*plan.session.max_credits) + ")" : "") + "; balance now " +
               money(stats.balance, unit) + ", " + human_minutes(stats.minutes_left) + " of runtime left");
  console.line("  heartbeats   " + std::to_string(stats.heartbeats_ok) + " ok, " +
               std::to_string(stats.heartbeats_failed) + " failed, " + std::to_string(stats.heartbeats_retried) +
               " retried" +
               (stats.last_error.empty() ? ""
                                         : "; last error (" + creditmeter::to_string(stats.last_error_reason) +
                                               "): " + stats.last_error));
  console.line("  at the end   " + creditmeter::to_string(end_state) +
               (end_reason == creditmeter::Reason::none ? "" : " (" + creditmeter::to_string(end_reason) + ")"));
  console.line(std::string("  delivery     ") +
               (flushed && exact ? "complete: every metered millisecond and event settled, none twice"
                                 : "INCOMPLETE: usage not yet acknowledged (the journal will deliver it later)"));
  return code;
}

}  // namespace

const Command& simulate_command() {
  // The defaults shown are the ones used: the SDK's for the session, this file's for the rest.
  static const std::string help = [] {
    const creditmeter::SessionOptions session;
    return std::string() +
           "usage: creditmeter simulate --duration D [--model M] [--surface S] [--fps F]\n"
           "                            [--max-credits X] [--low-balance-minutes M]\n"
           "                            [--event ACTION:every=D[:quantity=Q]]... [--json]\n"
           "\n"
           "Starts a session, renders F frames a second for D (only while the session may render,\n"
           "as a real engine does), then stops, flushes and prints what was metered and billed.\n"
           "On a terminal a status line updates in place; otherwise a plain line every --interval.\n"
           "State changes are printed as they happen. Ctrl-C ends the run early; the usage is still\n"
           "delivered. A hold at the end sets the exit code (4 credits or spend cap, 3 key, 6 network); 7 if the\n"
           "server has not acknowledged all usage within --flush-timeout.\n"
           "\n"
           "options:\n"
           "  --duration D         how long to render: 90, 90s, 2m, 1m30s, 500ms (required)\n"
           "  --model M            model (default " + session.model + ")\n"
           "  --surface S          surface: cloud, self_hosted, on_device (default " + session.surface + ")\n"
           "  --fps F              frames per second, 1-1000 (default " + kDefaultFps + ")\n"
           "  --interval D         progress line period when not on a terminal (default " + kDefaultInterval + ")\n"
           "  --flush-timeout D    how long the final delivery may take (default " + kDefaultFlushTimeout + ")\n"
           "  --max-credits X      spending cap for the session, in credits: it pauses\n"
           "                       (paused_billing, spend_cap) before crossing it\n"
           "  --low-balance-minutes M\n"
           "                       print a low-balance alert when the balance buys less than M\n"
           "                       minutes at this session's rate (default " + number_text(session.low_balance_minutes) + ")\n"
           "  --event ACTION:every=D[:quantity=Q]\n"
           "                       also record a usage event of ACTION (e.g. llm_gpt4, tts_seconds) every D,\n"
           "                       the first at the start, while the session may render; quantity Q\n"
           "                       (default 1) in the action's unit. Repeatable. The summary counts the\n"
           "                       events recorded, acknowledged (charged) and rejected (unknown action)\n"
           "\n"
           "example:\n"
           "  creditmeter simulate --model expression --surface cloud --duration 1m30s --fps 30\n"
           "  creditmeter simulate --duration 1m --event llm_gpt4:every=5s --event tts_seconds:every=10s:quantity=8\n";
  }();
  static const Command command{"simulate",
                               "meter a simulated avatar renderer against the server",
                               help.c_str(),
                               {{"duration", true},
                                {"model", true},
                                {"surface", true},
                                {"fps", true},
                                {"interval", true},
                                {"flush-timeout", true},
                                {"max-credits", true},
                                {"low-balance-minutes", true},
                                {"event", true, /*repeatable=*/true}},
                               run_simulate};
  return command;
}

}  // namespace cli
