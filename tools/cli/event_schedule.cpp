#include "event_schedule.hpp"

#include <algorithm>
#include <utility>

#include "args.hpp"

namespace cli {

EventSchedule::EventSchedule(std::vector<EventSpec> specs, Clock::time_point start) {
  for (auto& spec : specs) entries_.push_back(Entry{std::move(spec), start, 0, 0});
}

void EventSchedule::record_due(creditmeter::Session& session, Clock::time_point now) {
  for (Entry& e : entries_) {
    while (e.next <= now) {
      e.next += e.spec.every;
      if (!session.may_render()) {
        ++e.skipped;
        continue;
      }
      try {
        if (e.spec.quantity) {
          session.record(e.spec.action, *e.spec.quantity);
        } else {
          session.record(e.spec.action);
        }
      } catch (const creditmeter::InvalidArgument& error) {
        throw UsageError("--event '" + e.spec.text + "': " + error.what());
      }
      ++e.recorded;
    }
  }
}

EventSchedule::Clock::time_point EventSchedule::next_due() const {
  Clock::time_point next = Clock::time_point::max();
  for (const Entry& e : entries_) next = std::min(next, e.next);
  return next;
}

std::uint64_t EventSchedule::recorded() const {
  std::uint64_t n = 0;
  for (const Entry& e : entries_) n += e.recorded;
  return n;
}

std::uint64_t EventSchedule::skipped() const {
  std::uint64_t n = 0;
  for (const Entry& e : entries_) n += e.skipped;
  return n;
}

nlohmann::json EventSchedule::json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const Entry& e : entries_) {
    rows.push_back({{"action", e.spec.action},
                    {"every_ms", e.spec.every.count()},
                    {"quantity", e.spec.quantity ? nlohmann::json(*e.spec.quantity) : nlohmann::json()},
                    {"recorded", e.recorded},
                    {"skipped", e.skipped}});
  }
  return rows;
}

}  // namespace cli
