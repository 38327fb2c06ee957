// Float seconds, log-level names and the value types Python sees (declared in conversions.hpp).

#include "conversions.hpp"

#include <cmath>
#include <string>
#include <stdexcept>
#include <vector>

namespace creditmeter_python {

std::int64_t to_ms(double seconds, const char* name, bool allow_infinite) {
  if (std::isnan(seconds) || seconds < 0) {
    throw cm::InvalidArgument(std::string(name) + " must be a non-negative number of seconds");
  }
  if (std::isinf(seconds)) {
    if (allow_infinite) return -1;
    throw cm::InvalidArgument(std::string(name) + " must be a finite number of seconds");
  }
  const double ms = std::ceil(seconds * 1000.0);
  if (ms > 1e15) throw cm::InvalidArgument(std::string(name) + " is too large");
  return static_cast<std::int64_t>(ms);
}

cm::LogLevel parse_level(const std::string& name) {
  if (name == "debug") return cm::LogLevel::debug;
  if (name == "info") return cm::LogLevel::info;
  if (name == "warning") return cm::LogLevel::warning;
  if (name == "error") return cm::LogLevel::error;
  throw cm::InvalidArgument("log_level must be one of 'debug', 'info', 'warning', 'error', not '" + name + "'");
}

int python_level(cm::LogLevel level) {
  switch (level) {
    case cm::LogLevel::debug: return 10;
    case cm::LogLevel::info: return 20;
    case cm::LogLevel::warning: return 30;
    case cm::LogLevel::error: return 40;
  }
  return 40;
}

namespace {

// Every enumerator, in declaration order (the index is the value); the names are cm::to_string's.
const cm::SessionState kStates[] = {cm::SessionState::active, cm::SessionState::paused_by_user,
                                    cm::SessionState::paused_billing, cm::SessionState::paused_offline,
                                    cm::SessionState::stopped};
const cm::Reason kReasons[] = {cm::Reason::none,          cm::Reason::user,
                               cm::Reason::insufficient_credits, cm::Reason::authentication_failed,
                               cm::Reason::offline,       cm::Reason::grace_expired,
                               cm::Reason::spend_cap,     cm::Reason::journal_full,
                               cm::Reason::stopped};

// The members, by value. Never freed: they must outlive every SDK thread's last conversion.
std::vector<py::object>* g_state_members = nullptr;
std::vector<py::object>* g_reason_members = nullptr;

template <typename E, std::size_t N>
std::vector<py::object>* make_enum(py::module_& m, const char* name, const E (&values)[N]) {
  py::list names;
  for (std::size_t i = 0; i < N; ++i) {
    if (static_cast<std::size_t>(values[i]) != i) throw std::logic_error("enumerators out of order");
    names.append(cm::to_string(values[i]));
  }
  py::object cls = py::module_::import("creditmeter._enums").attr("make")(name, names);
  m.attr(name) = cls;
  auto* members = new std::vector<py::object>;
  for (std::size_t i = 0; i < N; ++i) members->push_back(cls(names[i]));
  return members;
}

py::object member(const std::vector<py::object>* members, std::size_t index) {
  if (members == nullptr || index >= members->size()) throw std::out_of_range("unknown enum value");
  return (*members)[index];
}

}  // namespace

py::object to_py(cm::SessionState state) { return member(g_state_members, static_cast<std::size_t>(state)); }
py::object to_py(cm::Reason reason) { return member(g_reason_members, static_cast<std::size_t>(reason)); }

PyStats to_py(const cm::SessionStats& s) {
  PyStats p;
  p.active_ms = s.active_ms;
  p.reported_ms = s.reported_ms;
  p.credits_charged = s.credits_charged;
  p.balance = s.balance;
  p.heartbeats_ok = s.heartbeats_ok;
  p.heartbeats_failed = s.heartbeats_failed;
  p.grace_remaining_ms = s.grace_remaining_ms;
  p.minutes_left = s.minutes_left;
  p.heartbeats_retried = s.heartbeats_retried;
  p.last_error = s.last_error;
  p.last_error_reason = to_py(s.last_error_reason);
  p.events_recorded = s.events_recorded;
  p.events_acknowledged = s.events_acknowledged;
  p.events_rejected = s.events_rejected;
  p.events_pending = s.events_pending;
  p.unit = s.unit;
  p.events_credits_charged = s.events_credits_charged;
  return p;
}

// The value types are read-only snapshots: plain attributes and a repr, no behaviour.
void init_value_types(py::module_& m) {
  g_state_members = make_enum(m, "SessionState", kStates);
  g_reason_members = make_enum(m, "Reason", kReasons);

  py::class_<PyStateChange>(m, "StateChange", "One session transition, delivered to on_state_change callbacks.")
      .def_property_readonly("from_state", [](const PyStateChange& c) { return to_py(c.change.from); },
                             "The state before (a SessionState).")
      .def_property_readonly("to_state", [](const PyStateChange& c) { return to_py(c.change.to); },
                             "The state after (a SessionState).")
      .def_property_readonly("reason", [](const PyStateChange& c) { return to_py(c.change.reason); },
                             "Why (a Reason).")
      .def_property_readonly("message", [](const PyStateChange& c) { return c.change.message; },
                             "Human-readable, safe to show or log.")
      .def("__repr__", [](const PyStateChange& c) {
        return "StateChange(from_state='" + cm::to_string(c.change.from) + "', to_state='" +
               cm::to_string(c.change.to) + "', reason='" + cm::to_string(c.change.reason) +
               "', message=" + py::repr(py::str(c.change.message)).cast<std::string>() + ")";
      });

  py::class_<PyStats>(m, "SessionStats", "A session's usage counters (Session.stats()).")
      .def_readonly("active_ms", &PyStats::active_ms, "Active time metered so far (ms).")
      .def_readonly("reported_ms", &PyStats::reported_ms, "Active time the server acknowledged (ms).")
      .def_readonly("credits_charged", &PyStats::credits_charged, "Credits charged for this session.")
      .def_readonly("balance", &PyStats::balance, "Account balance in the latest answer (credits).")
      .def_readonly("heartbeats_ok", &PyStats::heartbeats_ok, "Heartbeats and releases answered 2xx.")
      .def_readonly("heartbeats_failed", &PyStats::heartbeats_failed, "Attempts that failed.")
      .def_readonly("grace_remaining_ms", &PyStats::grace_remaining_ms,
                    "Time left before an outage pauses rendering (ms).")
      .def_readonly("minutes_left", &PyStats::minutes_left,
                    "Runtime the balance buys at this session's rate (minutes; inf when free).")
      .def_readonly("heartbeats_retried", &PyStats::heartbeats_retried,
                    "Resends of a heartbeat or release already sent once.")
      .def_readonly("last_error", &PyStats::last_error, "The latest failed attempt's message ('' when none).")
      .def_readonly("last_error_reason", &PyStats::last_error_reason,
                    "What that failure means for billing: 'none', 'offline', 'insufficient_credits', ...")
      .def_readonly("events_recorded", &PyStats::events_recorded, "Usage events recorded (Session.record()).")
      .def_readonly("events_acknowledged", &PyStats::events_acknowledged,
                    "Usage events the server charged (accepted, or a duplicate of one it had charged).")
      .def_readonly("events_rejected", &PyStats::events_rejected,
                    "Usage events refused for good (on_event_rejected): not charged, not resent.")
      .def_readonly("events_pending", &PyStats::events_pending, "Usage events recorded and not settled yet.")
      .def_readonly("unit", &PyStats::unit,
                    "What credits_charged and balance count in: 'credits', or the account's currency ('USD').")
      .def_readonly("events_credits_charged", &PyStats::events_credits_charged,
                    "The part of credits_charged usage events cost (duplicates included), in unit; the rest "
                    "is active time.")
      .def("__repr__", [](const PyStats& s) {
        return "SessionStats(active_ms=" + std::to_string(s.active_ms) + ", reported_ms=" +
               std::to_string(s.reported_ms) + ", credits_charged=" +
               py::repr(py::float_(s.credits_charged)).cast<std::string>() +
               ", balance=" + py::repr(py::float_(s.balance)).cast<std::string>() +
               ", heartbeats_ok=" + std::to_string(s.heartbeats_ok) +
               ", heartbeats_failed=" + std::to_string(s.heartbeats_failed) +
               ", grace_remaining_ms=" + std::to_string(s.grace_remaining_ms) +
               ", minutes_left=" + py::repr(py::float_(s.minutes_left)).cast<std::string>() +
               ", heartbeats_retried=" + std::to_string(s.heartbeats_retried) +
               ", last_error_reason='" + py::str(s.last_error_reason).cast<std::string>() +
               "', events_recorded=" + std::to_string(s.events_recorded) +
               ", events_acknowledged=" + std::to_string(s.events_acknowledged) +
               ", events_rejected=" + std::to_string(s.events_rejected) +
               ", events_pending=" + std::to_string(s.events_pending) + ", unit=" +
               py::repr(py::str(s.unit)).cast<std::string>() + ", events_credits_charged=" +
               py::repr(py::float_(s.events_credits_charged)).cast<std::string>() + ")";
      });

  py::class_<cm::BalanceUpdate>(m, "BalanceUpdate",
                                "The account balance as a session learned it (on_balance, on_low_balance).")
      .def_readonly("balance", &cm::BalanceUpdate::balance, "In unit; negative is debt.")
      .def_readonly("minutes_left", &cm::BalanceUpdate::minutes_left,
                    "Runtime left at this session's rate (minutes; inf when free).")
      .def_readonly("session_credits", &cm::BalanceUpdate::session_credits,
                    "Charged for this session so far (time and events), in unit.")
      .def_readonly("unit", &cm::BalanceUpdate::unit,
                    "What balance and session_credits count in: 'credits', or the account's currency ('USD').")
      .def("__repr__", [](const cm::BalanceUpdate& b) {
        return "BalanceUpdate(balance=" + py::repr(py::float_(b.balance)).cast<std::string>() +
               ", minutes_left=" + py::repr(py::float_(b.minutes_left)).cast<std::string>() +
               ", session_credits=" + py::repr(py::float_(b.session_credits)).cast<std::string>() +
               ", unit=" + py::repr(py::str(b.unit)).cast<std::string>() + ")";
      });

  py::class_<cm::ClientUsage>(m, "ClientUsage", "The sum over a Client's sessions of their stats (Client.usage()).")
      .def_readonly("sessions", &cm::ClientUsage::sessions, "Sessions started (live and finished).")
      .def_readonly("active_ms", &cm::ClientUsage::active_ms, "Active time metered (ms).")
      .def_readonly("reported_ms", &cm::ClientUsage::reported_ms, "Active time the server acknowledged (ms).")
      .def_readonly("credits_charged", &cm::ClientUsage::credits_charged, "Credits charged.")
      .def_readonly("heartbeats_ok", &cm::ClientUsage::heartbeats_ok)
      .def_readonly("heartbeats_failed", &cm::ClientUsage::heartbeats_failed)
      .def_readonly("events_recorded", &cm::ClientUsage::events_recorded, "Usage events recorded.")
      .def_readonly("events_acknowledged", &cm::ClientUsage::events_acknowledged, "Usage events charged.")
      .def_readonly("events_rejected", &cm::ClientUsage::events_rejected, "Usage events refused for good.")
      .def_readonly("events_credits_charged", &cm::ClientUsage::events_credits_charged,
                    "The part of credits_charged usage events cost.")
      .def("__repr__", [](const cm::ClientUsage& u) {
        return "ClientUsage(sessions=" + std::to_string(u.sessions) + ", active_ms=" + std::to_string(u.active_ms) +
               ", reported_ms=" + std::to_string(u.reported_ms) +
               ", credits_charged=" + py::repr(py::float_(u.credits_charged)).cast<std::string>() +
               ", heartbeats_ok=" + std::to_string(u.heartbeats_ok) +
               ", heartbeats_failed=" + std::to_string(u.heartbeats_failed) +
               ", events_recorded=" + std::to_string(u.events_recorded) +
               ", events_acknowledged=" + std::to_string(u.events_acknowledged) +
               ", events_rejected=" + std::to_string(u.events_rejected) + ", events_credits_charged=" +
               py::repr(py::float_(u.events_credits_charged)).cast<std::string>() + ")";
      });

  py::class_<cm::CreditSummary>(m, "CreditSummary", "The account's credits (Client.credit_summary()).")
      .def_readonly("balance", &cm::CreditSummary::balance, "Credits; negative is debt.")
      .def_readonly("plan", &cm::CreditSummary::plan)
      .def_readonly("renews_at", &cm::CreditSummary::renews_at, "RFC 3339.")
      .def_readonly("plan_credits", &cm::CreditSummary::plan_credits)
      .def_readonly("topup_credits", &cm::CreditSummary::topup_credits)
      .def_readonly("estimated_minutes", &cm::CreditSummary::estimated_minutes,
                    "'<model>_<surface>' -> whole minutes the balance buys.")
      .def_readonly("unit", &cm::CreditSummary::unit,
                    "What balance and the credits count in: 'credits', or the account's currency ('USD').")
      .def("__repr__", [](const cm::CreditSummary& s) {
        return "CreditSummary(balance=" + py::repr(py::float_(s.balance)).cast<std::string>() + ", plan='" + s.plan +
               "', unit=" + py::repr(py::str(s.unit)).cast<std::string>() + ")";
      });

  py::class_<cm::RejectedEvent>(m, "RejectedEvent",
                                "A usage event the server refused for good (on_event_rejected): not charged, "
                                "not resent, settled for flush().")
      .def_readonly("event_id", &cm::RejectedEvent::event_id, "The id Session.record() returned.")
      .def_readonly("action", &cm::RejectedEvent::action)
      .def_readonly("quantity", &cm::RejectedEvent::quantity, "As recorded (rounded to thousandths).")
      .def_readonly("code", &cm::RejectedEvent::code, "The server's code, e.g. 'UNKNOWN_ACTION'.")
      .def_readonly("message", &cm::RejectedEvent::message, "The server's words, made printable.")
      .def("__repr__", [](const cm::RejectedEvent& e) {
        return "RejectedEvent(event_id='" + e.event_id + "', action=" + py::repr(py::str(e.action)).cast<std::string>() +
               ", quantity=" + py::repr(py::float_(e.quantity)).cast<std::string>() + ", code=" +
               py::repr(py::str(e.code)).cast<std::string>() + ", message=" +
               py::repr(py::str(e.message)).cast<std::string>() + ")";
      });
}

}  // namespace creditmeter_python
