#include "event_spec.hpp"

#include "args.hpp"

namespace cli {

EventSpec parse_event_spec(const std::string& text) {
  const std::string usage = "--event must be ACTION:every=D[:quantity=Q] (e.g. llm_gpt4:every=5s), not '" + text + "'";
  EventSpec spec;
  spec.text = text;
  std::string rest = text;
  bool have_every = false;
  // Peel "key=value" fields off the right end while they are ours.
  for (;;) {
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) break;
    const std::string field = rest.substr(colon + 1);
    const auto eq = field.find('=');
    const std::string key = eq == std::string::npos ? field : field.substr(0, eq);
    if (key != "every" && key != "quantity") {
      if (!have_every && !spec.quantity) throw UsageError(usage + " (unknown field '" + field + "')");
      break;  // part of the action's name
    }
    if (eq == std::string::npos) throw UsageError(usage + " (" + key + " needs a value)");
    const std::string value = field.substr(eq + 1);
    if (key == "every") {
      if (have_every) throw UsageError(usage + " (every given twice)");
      try {
        spec.every = parse_duration(value);
      } catch (const UsageError& e) {
        throw UsageError(usage + " (every: " + e.what() + ")");
      }
      if (spec.every.count() <= 0) throw UsageError(usage + " (every must be longer than 0)");
      have_every = true;
    } else {
      if (spec.quantity) throw UsageError(usage + " (quantity given twice)");
      spec.quantity = parse_amount(value, "--event quantity");
    }
    rest.erase(colon);
  }
  if (!have_every) throw UsageError(usage + " (every=D is required)");
  if (rest.empty()) throw UsageError(usage + " (no action)");
  spec.action = rest;
  return spec;
}

}  // namespace cli
