// The C header compiles as C++ (extern "C", no C-only constructs), next to the C++ API, and
// its enums have the C++ enums' names. (That their values agree is asserted where the library
// converts them: src/c_api_enums.hpp.)
#include <creditmeter/creditmeter.h>
#include <creditmeter/creditmeter.hpp>

#include <cstdio>
#include <cstring>

namespace cm = creditmeter;

int main() {
  int failures = 0;
  // The C and C++ names of every state, reason and log level agree.
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
  for (int l = CM_LOG_DEBUG; l <= CM_LOG_ERROR; ++l) {
    if (cm::to_string(static_cast<cm::LogLevel>(l)) != cm_log_level_str(static_cast<cm_log_level>(l))) {
      std::fprintf(stderr, "log level %d: names differ\n", l);
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
