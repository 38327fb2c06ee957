// Chaos: 21 sessions on 3 clients, rendering and recording usage events, while a seeded
// random schedule of every emulator fault plays. Afterwards every billing invariant (docs/ARCHITECTURE.md, "Invariants") holds. The seed is printed; run again with
// CREDITMETER_CHAOS_SEED=<seed> to replay the same fault schedule.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <mutex>
#include <random>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

struct Watched {
  std::unique_ptr<Session> session;
  std::unique_ptr<Renderer> renderer;
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<StateChange>> changes = std::make_shared<std::vector<StateChange>>();
  std::vector<std::string> events;  // ids of the usage events recorded
};

// CLOCK_MONOTONIC_COARSE's resolution (what the SDK's frame() reads), rounded up to ms.
std::int64_t coarse_resolution_ms() {
  timespec res{};
  clock_getres(CLOCK_MONOTONIC_COARSE, &res);
  return (static_cast<std::int64_t>(res.tv_nsec) + 999999) / 1000000 + static_cast<std::int64_t>(res.tv_sec) * 1000;
}

std::string http_date_in(int seconds) {
  const std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace

TEST_CASE("chaos: every fault, many sessions, billed exactly once", "[integration][chaos]") {
  const char* env_seed = std::getenv("CREDITMETER_CHAOS_SEED");
  const unsigned seed = env_seed != nullptr ? static_cast<unsigned>(std::stoul(env_seed)) : std::random_device{}();
  std::cout << "chaos seed " << seed << " (CREDITMETER_CHAOS_SEED=" << seed << " replays it)" << std::endl;
  INFO("chaos seed " << seed);
  std::mt19937 rng(seed);

  EmulatorProcess emu;
  emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 3}, {"token_ttl_s", 3}});
  const auto secret = unique_secret("chaos");
  emu.create_account(secret, "pro", 10000, 64);

  std::mutex log_mutex;
  std::vector<std::string> log_lines;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<Watched> sessions;
  for (int c = 0; c < 3; ++c) {
    ClientOptions o = client_options(emu, secret);
    o.log_level = LogLevel::debug;
    o.log = [&](LogLevel, const std::string& m) {
      std::lock_guard<std::mutex> lock(log_mutex);
      log_lines.push_back(m);
    };
    clients.push_back(std::make_unique<Client>(o));
    for (int i = 0; i < 7; ++i) {
      Watched w;
      SessionOptions so;
      auto mutex = w.mutex;
      auto changes = w.changes;
      so.on_state_change = [mutex, changes](const StateChange& ch) {
        std::lock_guard<std::mutex> lock(*mutex);
        changes->push_back(ch);
      };
      w.session = clients.back()->start_session(so);
      w.renderer = std::make_unique<Renderer>(*w.session);
      sessions.push_back(std::move(w));
    }
  }

  // The fault schedule: every mode of the emulator, global or scoped to one session.
  const std::vector<nlohmann::json> faults = {
      {{"mode", "refuse"}},
      {{"mode", "hang"}, {"hang_ms", 700}},
      {{"mode", "status"}, {"status", 500}, {"code", "INTERNAL"}},
      {{"mode", "status"}, {"status", 503}, {"code", "UNAVAILABLE"}, {"apply", true}},
      {{"mode", "status"}, {"status", 429}, {"code", "RATE_LIMITED"}, {"retry_after", "1"}},
      {{"mode", "status"}, {"status", 429}, {"code", "RATE_LIMITED"}, {"retry_after", http_date_in(1)}},
      {{"mode", "reset_mid_body"}},
      {{"mode", "reset_mid_body"}, {"apply", true}},
      {{"mode", "slow"}, {"hang_ms", 600}},
      {{"mode", "status"}, {"status", 402}, {"code", "INSUFFICIENT_BALANCE"}, {"apply", true}},
      {{"mode", "status"}, {"status", 403}, {"code", "KEY_REVOKED"}, {"apply", true}},
      {{"mode", "status"}, {"status", 401}, {"code", "TOKEN_EXPIRED"}},
  };
  for (int round = 0; round < 16; ++round) {
    nlohmann::json f = faults[rng() % faults.size()];
    if (rng() % 3 == 0) f["session_id"] = sessions[rng() % sessions.size()].session->id();
    std::cout << "chaos round " << round << ": " << f.dump() << std::endl;
    emu.fault(f);
    // Usage events recorded under the fault, and more while it lasts: each must be charged once.
    for (auto& w : sessions) w.events.push_back(w.session->record(rng() % 2 ? "kb_query" : "tts_seconds", 1 + rng() % 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 500));  // the simulated fault lasts this long
    for (auto& w : sessions) w.events.push_back(w.session->record("api_request"));
    emu.clear_faults();
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));  // healthy between faults
  }
  // Last, a lost acknowledgement everyone meets: charged, then answered 503 for longer than an
  // interval, so every session must resend the same key (random ones may miss all requests,
  // and 402/403 acknowledge usage, so they cause no resend).
  emu.fault({{"mode", "status"}, {"status", 503}, {"code", "UNAVAILABLE"}, {"apply", true}});
  std::this_thread::sleep_for(1200ms);  // the simulated fault lasts this long
  emu.clear_faults();

  // Calm: everyone is back within a few intervals, then all stop and flush.
  for (auto& w : sessions) {
    INFO(w.session->id());
    CHECK(wait_until([&] { return w.session->state() == SessionState::active; }, 10s));
  }
  for (auto& w : sessions) w.renderer->stop();
  for (auto& w : sessions) w.session->stop();
  for (auto& c : clients) REQUIRE(c->flush(20s));

  // Billed exactly once: ledger == client, within [T - idle_after, T] of the rendered time.
  int replays = 0;
  for (auto& w : sessions) {
    INFO(w.session->id());
    const SessionStats st = w.session->stats();
    const auto row = emu.ledger_session(w.session->id());
    REQUIRE(row.is_object());
    CHECK(row.at("active_ms").get<std::int64_t>() == st.active_ms);
    CHECK(st.reported_ms == st.active_ms);
    CHECK(row.at("released") == true);
    // Usage events: the ledger's are the client's, by id, each charged once.
    std::vector<std::string> charged;
    for (const auto& e : emu.ledger_events(w.session->id())) charged.push_back(e.at("event_id").get<std::string>());
    std::sort(charged.begin(), charged.end());
    std::vector<std::string> recorded = w.events;
    std::sort(recorded.begin(), recorded.end());
    CHECK(charged == recorded);
    CHECK(st.events_acknowledged == recorded.size());
    CHECK(st.events_pending == 0);
    std::lock_guard<std::mutex> lock(*w.mutex);
    // The renderer adds the coarse clock's resolution per stretch it saw; a pause and resume
    // between two of its frames (40 ms) is a stretch it never saw, and each such one may
    // round up by one resolution too: allow one per activation.
    const auto activations = std::count_if(w.changes->begin(), w.changes->end(),
                                           [](const StateChange& ch) { return ch.to == SessionState::active; });
    CHECK(st.active_ms <= w.renderer->rendered().count() + coarse_resolution_ms() * activations);
    CHECK(st.active_ms >= w.renderer->rendered().count() - 1000);
    replays += row.at("replays").get<int>();
    // Every pause was announced: a renderer that was gated saw a transition out of active.
    if (w.renderer->ever_gated()) {
      CHECK(std::any_of(w.changes->begin(), w.changes->end(),
                        [](const StateChange& ch) { return ch.from == SessionState::active; }));
    }
  }
  CHECK(replays >= 1);

  // No secret and no token in any log line.
  std::lock_guard<std::mutex> lock(log_mutex);
  for (const auto& line : log_lines) {
    CHECK(line.find(secret) == std::string::npos);
    CHECK(line.find("eyJ") == std::string::npos);
  }
}
