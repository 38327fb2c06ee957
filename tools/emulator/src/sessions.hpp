// The ledger's record of each metered session, and the registry of them.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "idempotency.hpp"
#include "money.hpp"
#include "slots.hpp"

namespace creditmeter::emulator {

struct Session {
  std::string id;
  std::string account_id;
  std::string model;
  std::string surface;
  std::string transaction_id;
  // Fixed at creation: the charge is recomputed on the running total, so a rate that changed
  // mid-session would re-price usage already billed.
  MilliCredits rate_mc_per_min = 0;
  std::int64_t active_ms = 0;        // running total of every reported active_ms
  MilliCredits charged_mc = 0;       // charge_for(active_ms, rate), what has been debited
  std::uint64_t events_charged = 0;  // usage events charged to this session (duplicates not counted)
  MilliCredits event_charged_mc = 0;  // their charges, beside the time's charged_mc
  std::uint64_t heartbeats = 0;      // heartbeat calls processed (replays and releases not counted)
  std::uint64_t replays = 0;         // requests answered from the idempotency store
  bool released = false;
  SlotClaim slot;
  std::uint64_t order = 0;  // creation order, for a stable ledger listing
  IdempotencyStore idempotency;
};

// The session's row in GET /admin/ledger (docs/EMULATOR.md): the documented fields
// (credits_charged: time and events together), then account, model, surface and slot for
// debugging, then the charge split into time and events.
nlohmann::json ledger_row(const Session& session);

class Sessions {
 public:
  // The session `id`, or nullptr.
  Session* find(const std::string& id);
  const Session* find(const std::string& id) const;
  Session& at(const std::string& id) { return by_id_.at(id); }
  bool contains(const std::string& id) const { return by_id_.count(id) != 0; }

  // Adds a new session (its id must be unused) and gives it the next creation order.
  Session& create(Session session);
  // Re-enters a session read back from a snapshot, order and all.
  Session& restore(Session session);

  // Every session, oldest first.
  std::vector<const Session*> in_creation_order() const;
  const std::unordered_map<std::string, Session>& all() const { return by_id_; }

  std::uint64_t next_order() const { return next_order_; }
  void set_next_order(std::uint64_t next) { next_order_ = next; }

 private:
  std::unordered_map<std::string, Session> by_id_;
  std::uint64_t next_order_ = 1;
};

}  // namespace creditmeter::emulator
