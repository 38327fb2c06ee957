// The C header compiles as C++ (extern "C", no C-only constructs), next to the C++ API, and
// its fixed enum values agree with the C++ enums they mirror.
#include <creditmeter/creditmeter.h>
#include <creditmeter/creditmeter.hpp>

#include <cstdio>
#include <cstring>

namespace cm = creditmeter;

static_assert(CM_STATE_ACTIVE == static_cast<int>(cm::SessionState::active), "state values");
static_assert(CM_STATE_PAUSED_BY_USER == static_cast<int>(cm::SessionState::paused_by_user), "state values");
static_assert(CM_STATE_PAUSED_BILLING == static_cast<int>(cm::SessionState::paused_billing), "state values");
static_assert(CM_STATE_PAUSED_OFFLINE == static_cast<int>(cm::SessionState::paused_offline), "state values");
static_assert(CM_STATE_STOPPED == static_cast<int>(cm::SessionState::stopped), "state values");
static_assert(CM_REASON_NONE == static_cast<int>(cm::Reason::none), "reason values");
static_assert(CM_REASON_USER == static_cast<int>(cm::Reason::user), "reason values");
static_assert(CM_REASON_INSUFFICIENT_CREDITS == static_cast<int>(cm::Reason::insufficient_credits), "reason values");
static_assert(CM_REASON_AUTHENTICATION_FAILED == static_cast<int>(cm::Reason::authentication_failed), "reason values");
static_assert(CM_REASON_OFFLINE == static_cast<int>(cm::Reason::offline), "reason values");
static_assert(CM_REASON_GRACE_EXPIRED == static_cast<int>(cm::Reason::grace_expired), "reason values");
static_assert(CM_REASON_SPEND_CAP == static_cast<int>(cm::Reason::spend_cap), "reason values");
static_assert(CM_REASON_JOURNAL_FULL == static_cast<int>(cm::Reason::journal_full), "reason values");
static_assert(CM_REASON_STOPPED == static_cast<int>(cm::Reason::stopped), "reason values");
static_assert(CM_LOG_DEBUG == static_cast<int>(cm::LogLevel::debug), "log values");
static_assert(CM_LOG_ERROR == static_cast<int>(cm::LogLevel::error), "log values");

int main() {
  int failures = 0;
  // The C and C++ names of every state and reason agree.
  for (int s = CM_STATE_ACTIVE; s <= CM_STATE_STOPPED; ++s) {
    if (cm::to_string(static_cast<cm::SessionState>(s)) != cm_session_state_str(static_cast<cm_session_state>(s))) {
      std::fprintf(stderr, "state %d: names differ\n", s);
      ++failures;
    }
  }
  for (int r = CM_REASON_NONE; r <= CM_REASON_STOPPED; ++r) {
    if (cm::to_string(static_cast<cm::Reason>(r)) != cm_reason_str(static_cast<cm_reason>(r))) {
      std::fprintf(stderr, "reason %d: names differ\n", r);
      ++failures;
    }
  }
  if (std::strcmp(cm_version(), CREDITMETER_VERSION_STRING) != 0) {
    std::fprintf(stderr, "cm_version() %s != header %s\n", cm_version(), CREDITMETER_VERSION_STRING);
    ++failures;
  }
  // A C++ exception thrown inside the shared library is caught here by its type.
  try {
    cm::ClientOptions options;
    options.base_url = "not a url";
    options.api_secret = "x";
    cm::Client client(options);
    std::fprintf(stderr, "no exception for a bad base_url\n");
    ++failures;
  } catch (const cm::InvalidArgument&) {
  }
  std::printf("%s\n", failures == 0 ? "OK" : "FAILED");
  return failures == 0 ? 0 : 1;
}
