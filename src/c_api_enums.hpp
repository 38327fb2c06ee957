#pragma once
// The enums of the C ABI and their C++ twins: cm_session_state <-> SessionState, cm_reason <->
// Reason, cm_log_level <-> LogLevel. Each C value is fixed by creditmeter.h and equals the C++
// enumerator's value (asserted below), so a conversion is a cast; the asserts fail the build
// when either side changes alone.

#include <limits>
#include <type_traits>

#include "c_api_support.hpp"

namespace creditmeter::c_api {

// Every enumerator has the same value in C and in C++ (both directions of the conversions).
static_assert(CM_STATE_ACTIVE == static_cast<int>(SessionState::active), "cm_session_state");
static_assert(CM_STATE_PAUSED_BY_USER == static_cast<int>(SessionState::paused_by_user), "cm_session_state");
static_assert(CM_STATE_PAUSED_BILLING == static_cast<int>(SessionState::paused_billing), "cm_session_state");
static_assert(CM_STATE_PAUSED_OFFLINE == static_cast<int>(SessionState::paused_offline), "cm_session_state");
static_assert(CM_STATE_STOPPED == static_cast<int>(SessionState::stopped), "cm_session_state");

static_assert(CM_REASON_NONE == static_cast<int>(Reason::none), "cm_reason");
static_assert(CM_REASON_USER == static_cast<int>(Reason::user), "cm_reason");
static_assert(CM_REASON_INSUFFICIENT_CREDITS == static_cast<int>(Reason::insufficient_credits), "cm_reason");
static_assert(CM_REASON_AUTHENTICATION_FAILED == static_cast<int>(Reason::authentication_failed), "cm_reason");
static_assert(CM_REASON_OFFLINE == static_cast<int>(Reason::offline), "cm_reason");
static_assert(CM_REASON_GRACE_EXPIRED == static_cast<int>(Reason::grace_expired), "cm_reason");
static_assert(CM_REASON_SPEND_CAP == static_cast<int>(Reason::spend_cap), "cm_reason");
static_assert(CM_REASON_JOURNAL_FULL == static_cast<int>(Reason::journal_full), "cm_reason");
static_assert(CM_REASON_STOPPED == static_cast<int>(Reason::stopped), "cm_reason");

static_assert(CM_LOG_DEBUG == static_cast<int>(LogLevel::debug), "cm_log_level");
static_assert(CM_LOG_INFO == static_cast<int>(LogLevel::info), "cm_log_level");
static_assert(CM_LOG_WARNING == static_cast<int>(LogLevel::warning), "cm_log_level");
static_assert(CM_LOG_ERROR == static_cast<int>(LogLevel::error), "cm_log_level");

// C++ to C.
inline cm_session_state to_c(SessionState s) { return static_cast<cm_session_state>(s); }
inline cm_reason to_c(Reason r) { return static_cast<cm_reason>(r); }
inline cm_log_level to_c(LogLevel l) { return static_cast<cm_log_level>(l); }

// C to C++: false when the C variable holds a value the C++ enum's type cannot hold (C allows
// any int in an enum variable). A value that fits but is no enumerator converts; the C++ name
// tables answer "unknown" for it.
template <typename CppEnum, typename CEnum>
bool cast_from_c(const CEnum& value, CppEnum& out) {
  using U = std::underlying_type_t<CppEnum>;
  const long v = enum_value(value);
  if (v < static_cast<long>(std::numeric_limits<U>::min()) || v > static_cast<long>(std::numeric_limits<U>::max())) {
    return false;
  }
  out = static_cast<CppEnum>(static_cast<U>(v));
  return true;
}
inline bool from_c(const cm_session_state& c, SessionState& out) { return cast_from_c(c, out); }
inline bool from_c(const cm_reason& c, Reason& out) { return cast_from_c(c, out); }
inline bool from_c(const cm_log_level& c, LogLevel& out) { return cast_from_c(c, out); }

}  // namespace creditmeter::c_api
