// Usage events (Session::record) against the real emulator: exact charges per price, each
// event id charged once whatever is lost on the way, rejected events, outages, token expiry,
// 402 and spending caps, kill -9 at the dangerous points (docs/CREDITS.md "Usage events",
// docs/JOURNAL.md).

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <numeric>
#include <set>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

struct EventsFixture {
  EmulatorProcess emu;
  std::string secret = unique_secret("events");
  explicit EventsFixture(double balance = 1000) {
    emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 3}});
    emu.create_account(secret, "creator", balance);
  }
  ClientOptions options() {
    ClientOptions o = client_options(emu, secret);
    o.event_batch_delay = 100ms;
    return o;
  }
};

struct Rejections {
  std::mutex mutex;
  std::vector<RejectedEvent> events;
  void attach(SessionOptions& o) {
    o.on_event_rejected = [this](const RejectedEvent& e) {
      std::lock_guard<std::mutex> lock(mutex);
      events.push_back(e);
    };
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return events.size();
  }
};

struct States {
  std::mutex mutex;
  std::vector<StateChange> changes;
  void attach(SessionOptions& o) {
    o.on_state_change = [this](const StateChange& c) {
      std::lock_guard<std::mutex> lock(mutex);
      changes.push_back(c);
    };
  }
  bool saw(Reason reason) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& c : changes) {
      if (c.reason == reason) return true;
    }
    return false;
  }
};

// The ledger's charged events of `session_id`: id -> credits charged.
std::map<std::string, double> ledger_charges(EmulatorProcess& emu, const std::string& session_id) {
  std::map<std::string, double> out;
  for (const auto& e : emu.ledger_events(session_id)) {
    REQUIRE(out.count(e.at("event_id").get<std::string>()) == 0);  // each id charged once
    out[e.at("event_id").get<std::string>()] = e.at("credits_charged").get<double>();
  }
  return out;
}

}  // namespace

TEST_CASE("usage events are charged exactly per price, floored to the milli-credit", "[integration][events][smoke]") {
  EventsFixture f;
  Client client(f.options());
  auto s = client.start_session();
  const std::string gpt4 = s->record("llm_gpt4");                // 10
  const std::string tts = s->record("tts_seconds", 12.5);        // 12500 * 83333 / 10^6 = 1041.66 -> 1.041
  const std::string api = s->record("api_request", 3);           // 0.3
  const std::string stt = s->record("stt_seconds", 7.7774);      // rounded to 7.777: 388.85 -> 0.388
  const std::string avatar = s->record("photo_avatar_generation", 0.001);  // 1 * 250000 / 10^6 -> 0
  CHECK(std::set<std::string>{gpt4, tts, api, stt, avatar}.size() == 5);
  CHECK(gpt4.size() == 36);
  REQUIRE(client.flush(10s));
  const SessionStats st = s->stats();
  CHECK(st.events_recorded == 5);
  CHECK(st.events_acknowledged == 5);
  CHECK(st.events_pending == 0);
  CHECK(st.events_rejected == 0);
  CHECK(st.unit == "credits");
  const auto charges = ledger_charges(f.emu, s->id());
  REQUIRE(charges.size() == 5);
  CHECK(charges.at(gpt4) == Approx(10.0));
  CHECK(charges.at(tts) == Approx(1.041));
  CHECK(charges.at(api) == Approx(0.3));
  CHECK(charges.at(stt) == Approx(0.388));
  CHECK(charges.at(avatar) == Approx(0.0));
  s->stop();
  REQUIRE(client.flush(10s));
  // The client's books equal the ledger's, events included.
  const auto row = f.emu.ledger_session(s->id());
  CHECK(s->stats().credits_charged == Approx(row.at("credits_charged").get<double>()).margin(1e-9));
  CHECK(s->stats().credits_charged >= 11.729 - 1e-9);
  CHECK(client.usage().events_acknowledged == 5);
  CHECK(client.usage().events_recorded == 5);
}

TEST_CASE("an unknown action is reported, dropped and settled: flush() returns true", "[integration][events][smoke]") {
  EventsFixture f;
  Client client(f.options());
  Rejections rejected;
  SessionOptions o;
  rejected.attach(o);
  auto s = client.start_session(o);
  const std::string bad = s->record("no_such_action", 2);
  const std::string good = s->record("kb_query");
  REQUIRE(client.flush(10s));
  REQUIRE(wait_until([&] { return rejected.count() == 1; }, 5s));
  {
    std::lock_guard<std::mutex> lock(rejected.mutex);
    CHECK(rejected.events[0].event_id == bad);
    CHECK(rejected.events[0].action == "no_such_action");
    CHECK(rejected.events[0].quantity == 2.0);
    CHECK(rejected.events[0].code == "UNKNOWN_ACTION");
    CHECK_FALSE(rejected.events[0].message.empty());
  }
  CHECK(s->stats().events_rejected == 1);
  CHECK(s->stats().events_acknowledged == 1);
  CHECK(s->stats().events_pending == 0);
  const auto charges = ledger_charges(f.emu, s->id());
  CHECK(charges.size() == 1);
  CHECK(charges.count(good) == 1);
}

TEST_CASE("record() refuses bad input and a stopped or audio-only session, and loses nothing", "[integration][events]") {
  EventsFixture f;
  Client client(f.options());
  auto s = client.start_session();
  CHECK_THROWS_AS(s->record(""), InvalidArgument);
  CHECK_THROWS_AS(s->record(std::string(65, 'a')), InvalidArgument);
  CHECK_THROWS_AS(s->record("llm_gpt4", -1), InvalidArgument);
  CHECK_THROWS_AS(s->record("llm_gpt4", std::nan("")), InvalidArgument);
  CHECK_THROWS_AS(s->record("llm_gpt4", INFINITY), InvalidArgument);
  CHECK_NOTHROW(s->record(std::string(64, 'a'), 0));
  s->stop();
  CHECK_THROWS_AS(s->record("llm_gpt4"), InvalidArgument);
  SessionOptions audio;
  audio.audio_only = true;
  auto a = client.start_session(audio);
  CHECK_THROWS_AS(a->record("llm_gpt4"), InvalidArgument);
  REQUIRE(client.flush(10s));
  CHECK(s->stats().events_recorded == 1);
  CHECK(s->stats().events_rejected == 1);  // the 64-a action has no price
}

TEST_CASE("a lost acknowledgement is absorbed: the retry's duplicates are charged once and learned", "[integration][events]") {
  EventsFixture f;
  Client client(f.options());
  auto s = client.start_session();
  f.emu.fault({{"mode", "status"}, {"status", 503}, {"apply", true}, {"path", "/v1/usage-events"}, {"count", 1}});
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(s->record("llm_gpt35"));
  REQUIRE(client.flush(15s));
  const auto charges = ledger_charges(f.emu, s->id());
  REQUIRE(charges.size() == 5);
  for (const auto& id : ids) CHECK(charges.at(id) == Approx(2.0));
  const SessionStats st = s->stats();
  CHECK(st.events_acknowledged == 5);
  CHECK(st.credits_charged >= 10.0 - 1e-9);  // the duplicates' charges came back with the retry
  s->stop();
  REQUIRE(client.flush(10s));
  CHECK(s->stats().credits_charged == Approx(f.emu.ledger_session(s->id()).at("credits_charged").get<double>()));
}

TEST_CASE("an expired token mid-batch re-attaches and resends the same ids", "[integration][events]") {
  EventsFixture f;
  Client client(f.options());
  auto s = client.start_session();
  f.emu.fault({{"mode", "status"}, {"status", 401}, {"code", "TOKEN_EXPIRED"}, {"path", "/v1/usage-events"}, {"count", 1}});
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(s->record("llm_claude"));
  REQUIRE(client.flush(15s));
  const auto charges = ledger_charges(f.emu, s->id());
  REQUIRE(charges.size() == 3);
  for (const auto& id : ids) CHECK(charges.count(id) == 1);
  CHECK(s->stats().events_acknowledged == 3);
  CHECK(s->stats().credits_charged >= 24.0 - 1e-9);
}

TEST_CASE("an outage longer than the grace loses no event and bills none twice", "[integration][events]") {
  EventsFixture f;
  Client client(f.options());
  States states;
  SessionOptions o;
  states.attach(o);
  auto s = client.start_session(o);
  f.emu.fault({{"mode", "refuse"}});
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(s->record("kb_query"));
  REQUIRE(wait_until([&] { return s->state() == SessionState::paused_offline; }, 10s));
  ids.push_back(s->record("kb_query"));  // recorded while offline: accepted, sent later
  CHECK(s->stats().events_pending == 5);
  f.emu.clear_faults();
  REQUIRE(client.flush(20s));
  const auto charges = ledger_charges(f.emu, s->id());
  REQUIRE(charges.size() == 5);
  for (const auto& id : ids) CHECK(charges.count(id) == 1);
  CHECK(s->stats().events_acknowledged == 5);
  REQUIRE(wait_until([&] { return s->state() == SessionState::active; }, 10s));
}

TEST_CASE("a 402 while events are in flight charges them and pauses, a heartbeat's answer resumes", "[integration][events]") {
  EventsFixture f(100);
  Client client(f.options());
  States states;
  SessionOptions o;
  states.attach(o);
  auto s = client.start_session(o);
  const std::string id = s->record("agent_generation");  // 250 credits: the balance goes into debt
  REQUIRE(wait_until([&] { return s->state() == SessionState::paused_billing; }, 10s));
  CHECK(s->reason() == Reason::insufficient_credits);
  REQUIRE(client.flush(10s));
  CHECK(ledger_charges(f.emu, s->id()).count(id) == 1);
  CHECK(s->stats().events_acknowledged == 1);
  CHECK(s->stats().balance < 0);
  f.emu.topup(f.secret, 1000);
  REQUIRE(wait_until([&] { return s->state() == SessionState::active; }, 10s));
}

TEST_CASE("an event that crosses the spending cap is charged and pauses the session at once", "[integration][events]") {
  EventsFixture f;
  Client client(f.options());
  SessionOptions o;
  o.max_credits = 5;
  auto s = client.start_session(o);
  const std::string id = s->record("llm_gpt4");  // 10 credits at the token answer's price
  CHECK(s->state() == SessionState::paused_billing);
  CHECK(s->reason() == Reason::spend_cap);
  CHECK_FALSE(s->may_render());
  REQUIRE(client.flush(10s));
  CHECK(ledger_charges(f.emu, s->id()).count(id) == 1);
  CHECK(s->state() == SessionState::paused_billing);
  s->set_max_credits(100);
  REQUIRE(wait_until([&] { return s->state() == SessionState::active; }, 5s));
}

// --- kill -9 at the dangerous points (crash_client.cpp records an event every 160 ms) --------

namespace {

// A crash_client child recording events, journaling to `journal`; its stdout goes to a file.
class EventsChild {
 public:
  EventsChild(const EmulatorProcess& emu, const std::string& secret, const TempDir& journal, const char* crash_at)
      : out_(journal.path() + "/../events-child-" + std::to_string(::getpid()) + ".out") {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::setenv("CREDITMETER_TEST_CRASH_AT", crash_at, 1);
      const std::string url = emu.base_url();
      ::execl(CREDITMETER_CRASH_CLIENT, CREDITMETER_CRASH_CLIENT, url.c_str(), secret.c_str(), journal.path().c_str(),
              "events", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~EventsChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::unlink(out_.c_str());
  }
  bool killed_by_itself(std::chrono::milliseconds timeout) {
    int status = 0;
    const bool dead = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (dead) pid_ = -1;
    return dead && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }
  std::vector<std::string> lines(const std::string& name) const {
    std::ifstream in(out_);
    std::string line;
    std::vector<std::string> out;
    while (std::getline(in, line)) {
      if (line.rfind(name + " ", 0) == 0) out.push_back(line.substr(name.size() + 1));
    }
    return out;
  }

 private:
  std::string out_;
  pid_t pid_ = -1;
};

struct CrashFixture {
  EmulatorProcess emu;
  TempDir journal;
  std::string secret = unique_secret("events_crash");
  CrashFixture() {
    emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 3}});
    emu.create_account(secret, "pro", 5000);
  }
  // A new Client on the same journal recovers the dead one's session and events.
  void recover() {
    ClientOptions o = client_options(emu, secret);
    o.journal_dir = journal.path();
    Client client(o);
    REQUIRE(client.flush(15s));
  }
};

}  // namespace

TEST_CASE("kill -9 after the events are journaled, before they are sent: each is charged once, after recovery",
          "[integration][events][crash]") {
  CrashFixture f;
  EventsChild child(f.emu, f.secret, f.journal, "after_events_journal_before_send");
  REQUIRE(child.killed_by_itself(15s));
  const std::vector<std::string> sessions = child.lines("session");
  REQUIRE(sessions.size() == 1);
  const std::vector<std::string> recorded = child.lines("event");
  REQUIRE(recorded.size() >= 2);
  CHECK(f.emu.ledger_events(sessions[0]).empty());  // the batch never reached the server
  f.recover();
  const auto charged = ledger_charges(f.emu, sessions[0]);  // each id at most once
  for (const auto& [id, credits] : charged) {
    CHECK(std::find(recorded.begin(), recorded.end(), id) != recorded.end());  // no invented event
    CHECK(credits == Approx(2.0));
  }
  // Recorded before the batch was built, so journaled: the first ones all made it. Only an
  // event recorded in the instant before the kill may be lost (recorded, not yet journaled).
  CHECK(charged.count(recorded.front()) == 1);
  CHECK(charged.size() + 1 >= recorded.size());
  CHECK(f.emu.ledger_session(sessions[0]).at("released") == true);
}

TEST_CASE("kill -9 after the events' answer, before it is journaled: the resend is absorbed, nothing charged twice",
          "[integration][events][crash]") {
  CrashFixture f;
  EventsChild child(f.emu, f.secret, f.journal, "after_events_answer_before_ack");
  REQUIRE(child.killed_by_itself(15s));
  const std::vector<std::string> sessions = child.lines("session");
  REQUIRE(sessions.size() == 1);
  const std::vector<std::string> recorded = child.lines("event");
  const auto before = ledger_charges(f.emu, sessions[0]);
  REQUIRE_FALSE(before.empty());  // the server charged the batch before the kill
  f.recover();
  const auto after = ledger_charges(f.emu, sessions[0]);
  for (const auto& [id, credits] : before) CHECK(after.count(id) == 1);  // still once each
  for (const auto& [id, credits] : after) {
    CHECK(std::find(recorded.begin(), recorded.end(), id) != recorded.end());
  }
  CHECK(after.size() + 1 >= recorded.size());
  const double sum = std::accumulate(after.begin(), after.end(), 0.0,
                                     [](double acc, const auto& e) { return acc + e.second; });
  CHECK(sum == Approx(2.0 * static_cast<double>(after.size())));
}

TEST_CASE("a USD account: the unit reaches stats and the credit summary, time is billed per second in USD",
          "[integration][events]") {
  EmulatorProcess emu;
  emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 3}});
  const std::string secret = unique_secret("usd");
  emu.admin("POST", "/admin/accounts", {{"api_secret", secret}, {"plan", "creator"}, {"balance", 50}, {"unit", "USD"}});
  Client client(client_options(emu, secret));
  const CreditSummary summary = client.credit_summary();
  CHECK(summary.unit == "USD");
  CHECK(summary.balance == Approx(50));
  auto s = client.start_session();
  CHECK(s->stats().unit == "USD");
  Renderer r(*s);
  REQUIRE(wait_until([&] { return s->stats().reported_ms >= 1000; }, 10s));
  r.stop();
  s->stop();
  REQUIRE(client.flush(10s));
  const SessionStats st = s->stats();
  CHECK(st.unit == "USD");
  // $0.05 a second of active time ($3 a minute), in milli-dollars: within a cent of the ledger.
  const auto row = emu.ledger_session(s->id());
  CHECK(st.credits_charged == Approx(row.at("credits_charged").get<double>()).margin(1e-9));
  CHECK(st.credits_charged == Approx(static_cast<double>(st.reported_ms) / 1000.0 * 0.05).margin(0.01));
  CHECK(st.balance == Approx(50 - st.credits_charged).margin(1e-9));
}
