#pragma once
// The usage events `creditmeter simulate --event` records: each --event's action every D,
// the first at the start of the run, as an engine's LLM calls or text-to-speech seconds would
// be, and only while the session may render (a paused engine does no work, so it spends
// nothing). Runs on simulate's main thread; record() never blocks, so neither does this.

#include <chrono>
#include <cstdint>
#include <vector>

#include <creditmeter/creditmeter.hpp>
#include <nlohmann/json.hpp>

#include "event_spec.hpp"

namespace cli {

class EventSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  EventSchedule(std::vector<EventSpec> specs, Clock::time_point start);

  // Records every event due by `now` (skips the ones due while the session may not render).
  // An event the SDK refuses as bad input is a UsageError naming the --event.
  void record_due(creditmeter::Session& session, Clock::time_point now);
  // When the next event is due (time_point::max() without --event).
  Clock::time_point next_due() const;
  bool empty() const { return entries_.empty(); }
  std::uint64_t recorded() const;
  std::uint64_t skipped() const;
  // [{action, every_ms, quantity (null: record()'s default), recorded, skipped}] per --event.
  nlohmann::json json() const;

 private:
  struct Entry {
    EventSpec spec;
    Clock::time_point next;
    std::uint64_t recorded = 0;
    std::uint64_t skipped = 0;
  };
  std::vector<Entry> entries_;
};

}  // namespace cli
