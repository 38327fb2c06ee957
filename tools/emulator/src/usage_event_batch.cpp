#include "usage_event_batch.hpp"

#include <cctype>

#include "fields.hpp"
#include "money.hpp"
#include "prices.hpp"
#include "time_format.hpp"

namespace creditmeter::emulator {
namespace {

Reply invalid(const std::string& message) { return error_reply(400, "INVALID_REQUEST", message); }

std::optional<Reply> read_event(const nlohmann::json& json, std::size_t index, UsageEvent& event) {
  const std::string where = "events[" + std::to_string(index) + "]";
  if (!json.is_object()) return invalid(where + " must be an object");
  FieldReader fields(json);
  const auto event_id = fields.text("event_id", true, 64);
  const auto action = fields.text("action", true, 256);
  const auto at = fields.text("at", true, 64);
  if (fields.failed()) return invalid(where + ": " + fields.problem());
  if (!valid_uuid(*event_id)) return invalid(where + ".event_id must be a UUID (8-4-4-4-12 hex digits)");
  if (!valid_action_name(*action)) return invalid(where + ".action must be 1 to 64 characters");
  if (!parse_rfc3339(*at)) return invalid(where + ".at must be an RFC 3339 timestamp");
  const auto quantity = json.find("quantity");
  if (quantity == json.end() || !quantity->is_number()) return invalid(where + ".quantity must be a number");
  // The sign is judged on the number itself: -0.0001 is negative usage, though it rounds to 0.
  const auto milli = quantity->get<double>() < 0 ? std::nullopt : credits_to_milli(*quantity);
  if (!milli || *milli > kMaxEventQuantityMilli) {
    return invalid(where + ".quantity must be a finite number from 0 to 1000000000");
  }
  event = {*event_id, *action, *milli};
  return std::nullopt;
}

}  // namespace

bool valid_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    const auto c = static_cast<unsigned char>(text[i]);
    if (dash_position ? c != '-' : !std::isxdigit(c)) return false;
  }
  return true;
}

std::optional<Reply> read_usage_event_batch(const nlohmann::json& body, UsageEventBatch& batch) {
  FieldReader fields(body);
  const auto session_id = fields.text("session_id", true, 1024);
  if (fields.failed()) return fields.error();
  const auto events = body.find("events");
  if (events == body.end() || !events->is_array()) return invalid("field 'events' must be an array of events");
  if (events->empty() || events->size() > kMaxEventsPerBatch) {
    return invalid("field 'events' must hold 1 to " + std::to_string(kMaxEventsPerBatch) + " events (it holds " +
                   std::to_string(events->size()) + ")");
  }
  batch.session_id = *session_id;
  batch.events.clear();
  batch.events.reserve(events->size());
  for (std::size_t i = 0; i < events->size(); ++i) {
    UsageEvent event;
    if (auto refused = read_event((*events)[i], i, event)) return refused;
    batch.events.push_back(std::move(event));
  }
  return std::nullopt;
}

}  // namespace creditmeter::emulator
