// The C ABI's sessions: options, the start (with the wiring of the C callbacks),
// frame and may_render, pause/resume/stop, state, stats, callbacks and the spending cap. Each
// call converts its arguments to the C++ API's and delegates; the C++ API validates them.

#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "c_api_enums.hpp"
#include "c_api_support.hpp"
#include "client_impl.hpp"
#include "session_impl.hpp"

using namespace creditmeter::c_api;

namespace creditmeter::c_api {

const SessionOptions& session_defaults() noexcept {
  // Static storage, no heap (the default strings fit std::string's inline buffer), and never
  // destroyed: pointers into it stay valid for the whole process.
  alignas(SessionOptions) static unsigned char storage[sizeof(SessionOptions)];
  static const SessionOptions* const defaults = new (storage) SessionOptions();
  return *defaults;
}

}  // namespace creditmeter::c_api

namespace {

// Runs `call` on the C++ session of a handle: CM_E_INVALID_ARGUMENT for a NULL handle, the
// mapped exception when it throws, else CM_OK.
template <typename Call>
cm_status on_session(cm_session* session, const char* function, Call&& call) noexcept {
  if (session == nullptr || !session->session) {
    set_last_error("%s: session is NULL", function);
    return CM_E_INVALID_ARGUMENT;
  }
  try {
    call(*session->session);
    return CM_OK;
  } catch (...) {
    return map_exception(function);
  }
}

void deliver(cm_state_change_fn fn, void* user_data, cm_session* handle, const creditmeter::StateChange& change) {
  cm_state_change c;
  c.struct_size = sizeof c;
  c.from = to_c(change.from);
  c.to = to_c(change.to);
  c.reason = to_c(change.reason);
  c.message = change.message.c_str();
  fn(handle, &c, user_data);
}

void deliver_balance(cm_balance_fn fn, void* user_data, cm_session* handle, const creditmeter::BalanceUpdate& update) {
  cm_balance_update b;
  b.struct_size = sizeof b;
  b.balance = update.balance;
  b.minutes_left = update.minutes_left;
  b.session_credits = update.session_credits;
  std::snprintf(b.unit, sizeof b.unit, "%s", update.unit.c_str());
  fn(handle, &b, user_data);
}

creditmeter::BalanceCallback make_balance_callback(cm_balance_fn fn, void* user_data, cm_session* handle) {
  if (fn == nullptr) return nullptr;
  return [fn, user_data, handle](const creditmeter::BalanceUpdate& u) { deliver_balance(fn, user_data, handle, u); };
}

void deliver_rejected(cm_event_rejected_fn fn, void* user_data, cm_session* handle, const creditmeter::RejectedEvent& e) {
  cm_rejected_event r;
  r.struct_size = sizeof r;
  r.event_id = e.event_id.c_str();
  r.action = e.action.c_str();
  r.quantity = e.quantity;
  r.code = e.code.c_str();
  r.message = e.message.c_str();
  fn(handle, &r, user_data);
}

creditmeter::EventRejectedCallback make_rejected_callback(cm_event_rejected_fn fn, void* user_data, cm_session* handle) {
  if (fn == nullptr) return nullptr;
  return [fn, user_data, handle](const creditmeter::RejectedEvent& e) { deliver_rejected(fn, user_data, handle, e); };
}

creditmeter::StateChangeCallback make_callback(cm_state_change_fn fn, void* user_data, cm_session* handle) {
  if (fn == nullptr) return nullptr;
  return [fn, user_data, handle](const creditmeter::StateChange& change) { deliver(fn, user_data, handle, change); };
}

}  // namespace

extern "C" {

void cm_session_options_init(cm_session_options* options) {
  if (options == nullptr) return;
  // The defaults are the C++ API's, in C's representations.
  const creditmeter::SessionOptions& defaults = session_defaults();
  std::memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->model = defaults.model.c_str();
  options->surface = defaults.surface.c_str();
  options->audio_only = defaults.audio_only;
  // session_id stays NULL: cm_client_start_session() reads NULL as the C++ default ("", a
  // random UUID). The callbacks default to none.
  options->low_balance_minutes = defaults.low_balance_minutes;
  options->low_balance_credits = optional_to_c(defaults.low_balance_credits);  // unset: NAN
  options->max_credits = optional_to_c(defaults.max_credits);                  // unset: NAN
}

cm_status cm_client_start_session(cm_client* client, const cm_session_options* options, cm_session** out) {
  if (out == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_client_start_session: out is NULL");
  *out = nullptr;
  if (client == nullptr || !client->client) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_client_start_session: client is NULL");
  }
  cm_session_options defaults;
  if (options == nullptr) {
    cm_session_options_init(&defaults);
    options = &defaults;
  }
  if (cm_status s = check_struct_size(options, kSessionOptionsV1, "cm_session_options"); s != CM_OK) return s;
  CM_GUARD_BEGIN
  // NULL strings keep the C++ defaults.
  creditmeter::SessionOptions o;
  if (options->model != nullptr) o.model = options->model;
  if (options->surface != nullptr) o.surface = options->surface;
  if (options->session_id != nullptr) o.session_id = options->session_id;
  o.audio_only = options->audio_only;

  cm_balance_fn on_balance = nullptr, on_low_balance = nullptr;
  void* balance_user_data = nullptr;
  if (CM_HAS_FIELD(options, on_balance)) on_balance = options->on_balance;
  if (CM_HAS_FIELD(options, on_low_balance)) on_low_balance = options->on_low_balance;
  if (CM_HAS_FIELD(options, balance_user_data)) balance_user_data = options->balance_user_data;
  if (CM_HAS_FIELD(options, low_balance_minutes)) o.low_balance_minutes = options->low_balance_minutes;
  if (CM_HAS_FIELD(options, low_balance_credits)) o.low_balance_credits = optional_from_c(options->low_balance_credits);
  if (CM_HAS_FIELD(options, max_credits)) o.max_credits = optional_from_c(options->max_credits);
  cm_event_rejected_fn on_event_rejected = nullptr;
  void* event_rejected_user_data = nullptr;
  if (CM_HAS_FIELD(options, on_event_rejected)) on_event_rejected = options->on_event_rejected;
  if (CM_HAS_FIELD(options, event_rejected_user_data)) event_rejected_user_data = options->event_rejected_user_data;

  // The callbacks name the handle; the SDK holds them until open_callbacks(), after the
  // handle is filled in, so none can see a half-made one.
  auto handle = std::make_unique<cm_session>();
  cm_session* h = handle.get();
  if (cm_state_change_fn fn = options->on_state_change) {
    void* user_data = options->user_data;
    o.on_state_change = [h, fn, user_data](const creditmeter::StateChange& change) { deliver(fn, user_data, h, change); };
  }
  for (auto [fn, target] : {std::make_pair(on_balance, &o.on_balance), std::make_pair(on_low_balance, &o.on_low_balance)}) {
    if (fn == nullptr) continue;
    *target = [h, fn = fn, balance_user_data](const creditmeter::BalanceUpdate& update) {
      deliver_balance(fn, balance_user_data, h, update);
    };
  }
  o.on_event_rejected = make_rejected_callback(on_event_rejected, event_rejected_user_data, h);
  handle->session = creditmeter::detail::Access::start_session_held(*client->client, std::move(o));
  handle->id = handle->session->id();
  creditmeter::detail::Access::open_callbacks(*handle->session);
  *out = handle.release();
  return CM_OK;
  CM_GUARD_END
}

void cm_session_frame(cm_session* session) {
  if (session != nullptr && session->session) session->session->frame();
}

bool cm_session_may_render(const cm_session* session) {
  return session != nullptr && session->session && session->session->may_render();
}

cm_status cm_session_pause(cm_session* session) {
  return on_session(session, __func__, [](creditmeter::Session& s) { s.pause(); });
}

cm_status cm_session_resume(cm_session* session) {
  return on_session(session, __func__, [](creditmeter::Session& s) { s.resume(); });
}

cm_status cm_session_stop(cm_session* session) {
  return on_session(session, __func__, [](creditmeter::Session& s) { s.stop(); });
}

cm_session_state cm_session_get_state(const cm_session* session) {
  if (session == nullptr || !session->session) return CM_STATE_STOPPED;
  try {
    return to_c(session->session->state());
  } catch (...) {
    map_exception(__func__);
    return CM_STATE_STOPPED;
  }
}

cm_reason cm_session_get_reason(const cm_session* session) {
  if (session == nullptr || !session->session) return CM_REASON_NONE;
  try {
    return to_c(session->session->reason());
  } catch (...) {
    map_exception(__func__);
    return CM_REASON_NONE;
  }
}

const char* cm_session_id(const cm_session* session) {
  return session != nullptr ? session->id.c_str() : "";
}

void cm_session_stats_init(cm_session_stats* stats) {
  if (stats == nullptr) return;
  std::memset(stats, 0, sizeof *stats);
  stats->struct_size = sizeof *stats;
}

cm_status cm_session_get_stats(const cm_session* session, cm_session_stats* stats) {
  if (session == nullptr || !session->session) {
    return fail(CM_E_INVALID_ARGUMENT, "cm_session_get_stats: session is NULL");
  }
  if (stats == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_session_get_stats: stats is NULL");
  if (cm_status s = check_struct_size(stats, kSessionStatsV1, "cm_session_stats"); s != CM_OK) return s;
  CM_GUARD_BEGIN
  const creditmeter::SessionStats st = session->session->stats();
  // Field by field, like cm_client_get_usage(): the C layout is fixed by the ABI, the C++ one
  // is free to change.
  cm_session_stats full;
  full.struct_size = stats->struct_size;
  full.active_ms = st.active_ms;
  full.reported_ms = st.reported_ms;
  full.credits_charged = st.credits_charged;
  full.balance = st.balance;
  full.heartbeats_ok = st.heartbeats_ok;
  full.heartbeats_failed = st.heartbeats_failed;
  full.grace_remaining_ms = st.grace_remaining_ms;
  full.minutes_left = st.minutes_left;
  full.heartbeats_retried = st.heartbeats_retried;
  full.last_error_reason = to_c(st.last_error_reason);
  std::snprintf(full.last_error, sizeof full.last_error, "%s", st.last_error.c_str());
  full.events_recorded = st.events_recorded;
  full.events_acknowledged = st.events_acknowledged;
  full.events_rejected = st.events_rejected;
  full.events_pending = st.events_pending;
  std::snprintf(full.unit, sizeof full.unit, "%s", st.unit.c_str());
  full.events_credits_charged = st.events_credits_charged;
  write_covered(stats, full);
  return CM_OK;
  CM_GUARD_END
}

cm_status cm_session_set_state_callback(cm_session* session, cm_state_change_fn callback, void* user_data) {
  return on_session(session, __func__, [&](creditmeter::Session& s) {
    s.on_state_change(make_callback(callback, user_data, session));
  });
}

cm_status cm_session_set_balance_callbacks(cm_session* session, cm_balance_fn on_balance, cm_balance_fn on_low_balance,
                                           void* user_data) {
  return on_session(session, __func__, [&](creditmeter::Session& s) {
    s.on_balance(make_balance_callback(on_balance, user_data, session));
    s.on_low_balance(make_balance_callback(on_low_balance, user_data, session));
  });
}

cm_status cm_session_record(cm_session* session, const char* action, double quantity, char event_id[37]) {
  if (event_id != nullptr) event_id[0] = '\0';
  if (action == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_session_record: action is NULL");
  return on_session(session, __func__, [&](creditmeter::Session& s) {
    // SessionImpl's record() writes the id into a buffer: no std::string on this path, so a
    // recording thread allocates nothing once its session has seen the action
    // (bench/alloc_test.cpp).
    char id[36];
    creditmeter::detail::Access::impl(s).record(std::string_view(action), quantity, id);  // validates the rest
    if (event_id != nullptr) {
      std::memcpy(event_id, id, sizeof id);
      event_id[36] = '\0';
    }
  });
}

cm_status cm_session_set_event_rejected_callback(cm_session* session, cm_event_rejected_fn callback, void* user_data) {
  return on_session(session, __func__, [&](creditmeter::Session& s) {
    s.on_event_rejected(make_rejected_callback(callback, user_data, session));
  });
}

cm_status cm_session_set_max_credits(cm_session* session, double max_credits) {
  return on_session(session, __func__, [&](creditmeter::Session& s) { s.set_max_credits(optional_from_c(max_credits)); });
}

void cm_session_free(cm_session* session) {
  if (session == nullptr) return;
  try {
    delete session;
  } catch (...) {
  }
}

}  // extern "C"
