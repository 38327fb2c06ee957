// The C ABI's errors: the per-thread last error, the mapping of C++ exceptions to a cm_status,
// the struct_size checks, and the status and version strings.

#include "c_api_support.hpp"

#include <cstdarg>
#include <cstdio>
#include <new>

namespace creditmeter::c_api {

namespace {

// Per-thread message of the latest failed call. A fixed buffer: setting it never allocates,
// so reporting an out-of-memory condition cannot fail.
thread_local char t_last_error[1024] = "";
// What the server said of that error (creditmeter::Error): its status, Retry-After and code.
thread_local int t_last_http_status = 0;
thread_local std::uint32_t t_last_retry_after_ms = 0;
thread_local char t_last_code[80] = "";

// Records what an Error carries beside its message (every other failure resets it).
void set_last_error_details(const Error& e) {
  t_last_http_status = e.http_status();
  t_last_retry_after_ms = ms_to_c(e.retry_after());
  std::snprintf(t_last_code, sizeof t_last_code, "%s", e.code().c_str());
}

}  // namespace

void set_last_error(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(t_last_error, sizeof t_last_error, format, args);
  va_end(args);
  t_last_http_status = 0;
  t_last_retry_after_ms = 0;
  t_last_code[0] = '\0';
}

cm_status fail(cm_status status, const char* message) {
  set_last_error("%s", message);
  return status;
}

cm_status map_exception(const char* function) noexcept {
  try {
    throw;
  } catch (const AuthenticationError& e) {
    set_last_error("%s", e.what());
    set_last_error_details(e);
    return CM_E_AUTHENTICATION;
  } catch (const InsufficientCredits& e) {
    set_last_error("%s", e.what());
    set_last_error_details(e);
    return CM_E_INSUFFICIENT_CREDITS;
  } catch (const ConcurrencyLimitError& e) {
    set_last_error("%s", e.what());
    set_last_error_details(e);
    return CM_E_CONCURRENCY_LIMIT;
  } catch (const NetworkError& e) {
    set_last_error("%s", e.what());
    set_last_error_details(e);
    return CM_E_NETWORK;
  } catch (const InvalidArgument& e) {
    set_last_error("%s", e.what());
    set_last_error_details(e);
    return CM_E_INVALID_ARGUMENT;
  } catch (const Error& e) {
    set_last_error("%s", e.what());
    set_last_error_details(e);
    return CM_E_SERVER;
  } catch (const std::bad_alloc&) {
    set_last_error("%s: out of memory", function);
    return CM_E_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error("%s: internal error: %s", function, e.what());
    return CM_E_INTERNAL;
  } catch (...) {
    set_last_error("%s: internal error (unknown exception)", function);
    return CM_E_INTERNAL;
  }
}

cm_status check_struct_size(size_t struct_size, size_t v1, size_t library_size, const char* what) {
  if (struct_size < v1) {
    set_last_error("%s.struct_size is %zu, below the smallest valid size %zu: initialise the struct with its "
                   "_init function (or set struct_size = sizeof)",
                   what, struct_size, v1);
    return CM_E_INVALID_ARGUMENT;
  }
  if (struct_size > library_size) {
    set_last_error("%s.struct_size is %zu, larger than this library's %zu: the program was built against a newer "
                   "creditmeter.h than the installed library %s",
                   what, struct_size, library_size, CREDITMETER_VERSION_STRING);
    return CM_E_INVALID_ARGUMENT;
  }
  return CM_OK;
}

}  // namespace creditmeter::c_api

using namespace creditmeter::c_api;

extern "C" {

const char* cm_status_str(cm_status status) {
  switch (enum_value(status)) {
    case CM_OK: return "CM_OK: success";
    case CM_E_AUTHENTICATION: return "CM_E_AUTHENTICATION: the API secret or token was refused";
    case CM_E_INSUFFICIENT_CREDITS: return "CM_E_INSUFFICIENT_CREDITS: the balance is exhausted, top up credits";
    case CM_E_CONCURRENCY_LIMIT: return "CM_E_CONCURRENCY_LIMIT: the plan's concurrent-session limit is reached";
    case CM_E_NETWORK: return "CM_E_NETWORK: the server could not be reached or answered unusably";
    case CM_E_INVALID_ARGUMENT: return "CM_E_INVALID_ARGUMENT: an argument or option is invalid";
    case CM_E_OUT_OF_MEMORY: return "CM_E_OUT_OF_MEMORY: an allocation failed";
    case CM_E_SERVER: return "CM_E_SERVER: the server refused the request";
    case CM_E_INTERNAL: return "CM_E_INTERNAL: internal error in creditmeter";
    case CM_INCOMPLETE: return "CM_INCOMPLETE: not everything was acknowledged yet (delivery goes on)";
  }
  return "unknown status";
}

const char* cm_last_error(void) { return t_last_error; }

int cm_last_error_http_status(void) { return t_last_http_status; }

uint32_t cm_last_error_retry_after_ms(void) { return t_last_retry_after_ms; }

const char* cm_last_error_code(void) { return t_last_code; }

const char* cm_version(void) { return CREDITMETER_VERSION_STRING; }

}  // extern "C"
