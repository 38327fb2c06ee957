#pragma once
// The --event option of `creditmeter simulate`: "ACTION:every=D[:quantity=Q]", one usage event
// (Session::record) of ACTION every D while the session may render. Parsing only, no SDK:
// whether the action and quantity are acceptable is the SDK's to say (record() throws
// InvalidArgument), which simulate checks before its run starts.

#include <chrono>
#include <optional>
#include <string>

namespace cli {

struct EventSpec {
  std::string action;
  std::chrono::milliseconds every{};
  std::optional<double> quantity;  // none: record()'s own default
  std::string text;                 // as typed, for messages
};

// "llm_gpt4:every=5s", "tts_seconds:every=10s:quantity=4.5", "kb_query:quantity=2:every=1m".
// The fields after the action are read from the right, so an action may itself hold ':'.
// Throws UsageError naming --event for a missing or repeated field, an unknown field, a bad
// duration (parse_duration's forms, > 0) or a bad quantity (parse_amount's).
EventSpec parse_event_spec(const std::string& text);

}  // namespace cli
