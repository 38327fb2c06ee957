#include "core/session_messages.hpp"

#include "core/printable.hpp"

#include <cstdio>

namespace creditmeter {
namespace core {

namespace {
std::string prefix(const std::string& session_id) { return "session " + session_id + ": "; }
}  // namespace

std::string format_credits(double credits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", credits);
  return buf;
}

std::string state_message(SessionState to, Reason reason, std::chrono::milliseconds grace, double balance) {
  switch (to) {
    case SessionState::active:
      return reason == Reason::user ? "resumed" : "billing confirmed by the server; rendering";
    case SessionState::stopped: return "stopped";
    case SessionState::paused_by_user: return "paused by the application";
    case SessionState::paused_offline:
      return "no acknowledged heartbeat for " + std::to_string(grace.count() / 1000) +
             " s (the offline grace): rendering pauses until the server is reachable again";
    case SessionState::paused_billing:
      switch (reason) {
        case Reason::insufficient_credits:
          return "out of credits (balance " + format_credits(balance) +
                 " credits): top up credits; the session resumes on the next heartbeat after it";
        case Reason::authentication_failed:
          return "the server refused the API key (revoked or invalid): check your API secret";
        case Reason::spend_cap: return "the spending cap is reached: raise max_credits to resume";
        case Reason::journal_full:
          return "the usage journal is full: free disk space or raise the journal cap";
        default: return "billing hold";
      }
  }
  return {};
}

std::string describe(const Answer& a) {
  if (a.http_status == 0) return a.error.empty() ? "no answer" : a.error;
  std::string s = "HTTP " + std::to_string(a.http_status);
  if (!a.api_error.code.empty()) s += " " + a.api_error.code;
  if (!a.error.empty()) s += " (" + a.error + ")";
  return s;
}

// What the user decided, or the end, is news; a pause the user did not ask for is a warning.
LogLine state_change_line(const std::string& session_id, const StateChange& c) {
  const bool expected = c.to == SessionState::active || c.to == SessionState::stopped ||
                        c.to == SessionState::paused_by_user;
  return {expected ? LogLevel::info : LogLevel::warning,
          prefix(session_id) + to_string(c.from) + " -> " + to_string(c.to) + " (" + to_string(c.reason) +
              "): " + c.message,
          c.to == SessionState::paused_offline};
}

LogLine low_balance_line(const std::string& session_id, double balance) {
  return {LogLevel::info, prefix(session_id) + "low balance (" + format_credits(balance) + " credits)"};
}

LogLine spend_cap_line(const std::string& session_id, double max_credits) {
  return {LogLevel::warning, prefix(session_id) + "spending cap of " + format_credits(max_credits) + " credits reached"};
}

LogLine token_refused_line(const std::string& session_id, const Answer& answer) {
  return {LogLevel::info, prefix(session_id) + "token refused (" + answer.api_error.code + "); re-attaching"};
}

LogLine mismatch_line(const std::string& session_id, const char* what, std::uint64_t seq, std::int64_t active_ms) {
  return {LogLevel::error, prefix(session_id) + what + " seq " + std::to_string(seq) +
                               " refused as an idempotency mismatch; its " + std::to_string(active_ms) +
                               " ms move to the next heartbeat"};
}

// A request our side got wrong (any other 4xx) is an error; the network failing is a warning.
LogLine retry_line(const std::string& session_id, const char* what, std::uint64_t seq, const Answer& answer) {
  return {answer.kind == AnswerKind::rejected ? LogLevel::error : LogLevel::warning,
          prefix(session_id) + what + " seq " + std::to_string(seq) + " failed: " + describe(answer) + "; retrying",
          answer.kind == AnswerKind::offline};
}

LogLine reattached_line(const std::string& session_id) {
  return {LogLevel::info, prefix(session_id) + "re-attached with a fresh token"};
}

LogLine reattach_refused_line(const std::string& session_id, const Answer& answer) {
  return {LogLevel::error, prefix(session_id) + "re-attach refused: " + describe(answer)};
}

LogLine reattach_retry_line(const std::string& session_id, const Answer& answer) {
  return {LogLevel::warning, prefix(session_id) + "re-attach failed: " + describe(answer) + "; retrying",
          answer.kind == AnswerKind::offline};
}

LogLine events_retry_line(const std::string& session_id, std::size_t count, const Answer& answer) {
  return {answer.kind == AnswerKind::rejected ? LogLevel::error : LogLevel::warning,
          prefix(session_id) + "usage events (" + std::to_string(count) + ") failed: " + describe(answer) +
              "; retrying with the same event ids",
          answer.kind == AnswerKind::offline};
}

LogLine event_rejected_line(const std::string& session_id, const UsageEvent& event, const EventRejection& rejection) {
  return {LogLevel::warning, prefix(session_id) + "usage event " + event.event_id + " (" + printable(event.action) +
                                 " x " + milli_text(event.quantity_milli) + ") rejected: " +
                                 (rejection.code.empty() ? std::string("no code") : rejection.code) +
                                 (rejection.message.empty() ? "" : ": " + rejection.message) + "; dropped, not charged"};
}

}  // namespace core
}  // namespace creditmeter
