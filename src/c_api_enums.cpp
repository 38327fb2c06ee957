// The names of the C enums: the C++ name tables (src/state.cpp), reached through the
// conversions of c_api_enums.hpp, so a name exists once.

#include "c_api_enums.hpp"

using namespace creditmeter::c_api;

namespace {

// The C++ name of a C enum value; "unknown" when the value does not even fit the C++ enum.
template <typename CppEnum, typename CEnum>
const char* name_from_c(const CEnum& value) {
  CppEnum converted{};
  if (!from_c(value, converted)) return "unknown";
  return creditmeter::detail::name_of(converted);
}

}  // namespace

extern "C" {

const char* cm_session_state_str(cm_session_state state) {
  return name_from_c<creditmeter::SessionState>(state);
}

const char* cm_reason_str(cm_reason reason) { return name_from_c<creditmeter::Reason>(reason); }

const char* cm_log_level_str(cm_log_level level) { return name_from_c<creditmeter::LogLevel>(level); }

}  // extern "C"
