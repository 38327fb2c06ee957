#pragma once
// What every file of the C ABI (include/creditmeter/creditmeter.h) shares: the handle structs,
// the per-thread last error, the mapping of C++ exceptions to a cm_status, the struct_size
// checks, and the conversions of plain values between C and C++.
//
// The C ABI is a thin shell over the public C++ API (docs/INTEGRATION.md): it converts
// arguments, delegates, catches every exception and maps it to a cm_status, and keeps the
// strings it hands out alive. What the C++ API checks (option values, names, caps) it does
// not check again; it checks only what C alone can get wrong: NULL pointers, struct_size, and
// enum fields holding a value that is no enumerator.

#include "creditmeter/creditmeter.h"

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "creditmeter/creditmeter.hpp"

struct cm_client {
  std::unique_ptr<creditmeter::Client> client;
};

struct cm_session {
  std::string id;
  // Declared last, so destroyed first: ~Session waits for running callbacks, which may read
  // the fields above through this handle.
  std::unique_ptr<creditmeter::Session> session;
};

struct cm_token_sink {
  std::string body;
  bool set = false;
};

namespace creditmeter::c_api {

// ------------------------------------------------------------------------- errors

// Records the message cm_last_error() returns on this thread (printf-style; never allocates).
void set_last_error(const char* format, ...) __attribute__((format(printf, 1, 2)));

// Records `message` and returns `status`.
cm_status fail(cm_status status, const char* message);

// Maps the exception in flight to a status and records its message. Call only inside a
// catch block.
cm_status map_exception(const char* function) noexcept;

// Every fallible cm_* call wraps its body in these: no C++ exception crosses the boundary.
#define CM_GUARD_BEGIN try {
#define CM_GUARD_END                                    \
  }                                                     \
  catch (...) {                                         \
    return ::creditmeter::c_api::map_exception(__func__); \
  }

// ------------------------------------------------------------------------- struct_size

// The first published size of each struct (the end of its last first-version field): any
// struct_size below it is a caller error. Fields appended later are read only when
// CM_HAS_FIELD() says the caller's struct_size covers them; these constants never change.
constexpr size_t kClientOptionsV1 = offsetof(cm_client_options, token_provider_user_data) + sizeof(void*);
constexpr size_t kSessionOptionsV1 = offsetof(cm_session_options, user_data) + sizeof(void*);
constexpr size_t kSessionStatsV1 = offsetof(cm_session_stats, grace_remaining_ms) + sizeof(std::int64_t);
constexpr size_t kClientUsageV1 = offsetof(cm_client_usage, heartbeats_failed) + sizeof(std::uint64_t);
// Version 2 (credits) appended fields after each first version: nothing was inserted.
static_assert(offsetof(cm_client_options, max_credits) >= kClientOptionsV1, "appended only");
static_assert(offsetof(cm_client_options, transport_send) > offsetof(cm_client_options, max_credits), "appended only");
static_assert(offsetof(cm_client_options, min_heartbeat_interval_ms) > offsetof(cm_client_options, transport_user_data),
              "appended only");
static_assert(offsetof(cm_session_options, on_balance) >= kSessionOptionsV1, "appended only");
static_assert(offsetof(cm_session_stats, minutes_left) >= kSessionStatsV1, "appended only");
static_assert(offsetof(cm_client_usage, events_recorded) >= kClientUsageV1, "appended only");
static_assert(offsetof(cm_session_options, on_event_rejected) > offsetof(cm_session_options, max_credits), "appended only");
static_assert(offsetof(cm_session_stats, events_recorded) > offsetof(cm_session_stats, last_error), "appended only");
static_assert(offsetof(cm_credit_summary, unit) > offsetof(cm_credit_summary, estimated_minutes), "appended only");
static_assert(offsetof(cm_session_stats, events_credits_charged) > offsetof(cm_session_stats, unit), "appended only");
static_assert(offsetof(cm_client_usage, events_credits_charged) > offsetof(cm_client_usage, events_rejected),
              "appended only");
static_assert(offsetof(cm_balance_update, unit) > offsetof(cm_balance_update, session_credits), "appended only");

// CM_OK, or CM_E_INVALID_ARGUMENT (with a message naming `what`) when the caller's struct_size
// is below the first version or above this library's size.
cm_status check_struct_size(size_t struct_size, size_t v1, size_t library_size, const char* what);

template <typename T>
cm_status check_struct_size(const T* s, size_t v1, const char* what) {
  return check_struct_size(s->struct_size, v1, sizeof(T), what);
}

// Copies a filled result struct into the caller's, only the bytes its struct_size covers.
template <typename T>
void write_covered(T* out, const T& full) {
  std::memcpy(out, &full, out->struct_size < sizeof full ? out->struct_size : sizeof full);
}

// Whether the caller's struct covers `member` (for fields appended after version 1).
#define CM_HAS_FIELD(ptr, member) \
  (offsetof(std::remove_pointer_t<decltype(ptr)>, member) + sizeof((ptr)->member) <= (ptr)->struct_size)

// ------------------------------------------------------------------------- values

// The integer value of an enum received from C. C allows any int in a C enum variable; in C++
// loading a value outside the enumerators' range is undefined, so read its bytes instead.
template <typename E>
long enum_value(const E& e) {
  std::underlying_type_t<E> v;
  std::memcpy(&v, &e, sizeof v);
  return static_cast<long>(v);
}

// C has no optional double: NAN stands for "unset" (a cap or threshold that is not set).
inline std::optional<double> optional_from_c(double value) {
  if (std::isnan(value)) return std::nullopt;
  return value;
}
inline double optional_to_c(const std::optional<double>& value) { return value ? *value : NAN; }

// Durations are std::chrono::milliseconds in C++ and uint32_t milliseconds in C.
inline std::uint32_t ms_to_c(std::chrono::milliseconds d) {
  if (d.count() < 0) return 0;
  if (d.count() > static_cast<std::int64_t>(UINT32_MAX)) return UINT32_MAX;
  return static_cast<std::uint32_t>(d.count());
}

// A default-constructed SessionOptions, alive for the whole process: cm_session_options_init()
// hands out pointers into its strings (model, surface), which must stay valid even in code that
// runs after static destructors, so it is never destroyed.
const SessionOptions& session_defaults() noexcept;

}  // namespace creditmeter::c_api
