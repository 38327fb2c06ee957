#include "core/protocol.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "core/answer_fields.hpp"
#include "core/backoff.hpp"
#include "core/json_reader.hpp"
#include "core/jwt.hpp"
#include "core/printable.hpp"
#include "creditmeter/version.h"

namespace creditmeter {
namespace core {

// Parses a server body with a depth cap (a hostile server must not exhaust our stack).
JsonDoc parse_answer_body(const std::string& body) {
  if (body.size() > kMaxBodyBytes) throw ProtocolError("server answer larger than 1 MiB");
  JsonDoc doc;
  const JsonDoc::Status status = doc.parse(body, kMaxJsonDepth);
  if (status == JsonDoc::Status::too_deep) throw ProtocolError("server answer nests JSON deeper than 32 levels");
  if (status == JsonDoc::Status::too_large) throw ProtocolError("server answer holds more than 20000 JSON values");
  if (status != JsonDoc::Status::ok || doc.root().kind != JsonDoc::Kind::object) {
    throw ProtocolError("server answer is not a JSON object");
  }
  return doc;
}

namespace {
constexpr int kRoot = 0;
JsonDoc parse_body(const std::string& body) { return parse_answer_body(body); }
}  // namespace

// The tolerant reader: a field may sit in `data`, at the top level, or (for the balance
// and charge that come with a 402/403 answer) in the `error` object. -1: not there (or null).
int find_field(const JsonDoc& doc, const char* name) {
  for (const char* envelope : {"data", "error"}) {
    const int inner = doc.member(kRoot, envelope);
    if (inner >= 0 && doc.at(inner).kind == JsonDoc::Kind::object) {
      const int it = doc.member(inner, name);
      if (it >= 0 && doc.at(it).kind != JsonDoc::Kind::null) return it;
    }
    if (std::strcmp(envelope, "data") == 0) {
      const int it = doc.member(kRoot, name);
      if (it >= 0 && doc.at(it).kind != JsonDoc::Kind::null) return it;
    }
  }
  return -1;
}

namespace {
// The string member `name` of the object at `object`, if it is one.
std::optional<std::string> string_member(const JsonDoc& doc, int object, const char* name) {
  const int it = doc.member(object, name);
  if (it < 0 || doc.at(it).kind != JsonDoc::Kind::string) return std::nullopt;
  return doc.at(it).text;
}

std::string require_string(const JsonDoc& doc, const char* name) {
  const int v = find_field(doc, name);
  if (v < 0) throw ProtocolError(std::string("server answer lacks `") + name + "`");
  if (doc.at(v).kind != JsonDoc::Kind::string) {
    throw ProtocolError(std::string("server field `") + name + "` is not a string");
  }
  return doc.at(v).text;
}
}  // namespace

std::optional<double> optional_number(const JsonDoc& doc, const char* name) {
  const int v = find_field(doc, name);
  if (v < 0) return std::nullopt;
  if (doc.at(v).kind != JsonDoc::Kind::number) {
    throw ProtocolError(std::string("server field `") + name + "` is not a number");
  }
  const double d = doc.at(v).number;
  if (!std::isfinite(d)) throw ProtocolError(std::string("server field `") + name + "` is not finite");
  return d;
}

double require_number(const JsonDoc& doc, const char* name) {
  auto v = optional_number(doc, name);
  if (!v) throw ProtocolError(std::string("server answer lacks `") + name + "`");
  return *v;
}

namespace {
std::int64_t to_int64(double d, const char* name) {
  // 2^62: far beyond any timestamp or count, and safely representable after rounding.
  if (d < -4.6e18 || d > 4.6e18) throw ProtocolError(std::string("server field `") + name + "` is out of range");
  return static_cast<std::int64_t>(std::llround(d));
}

// Seconds (float allowed) to milliseconds, bounded to something a session can live with.
milliseconds seconds_field(const JsonDoc& doc, const char* name, milliseconds fallback) {
  auto v = optional_number(doc, name);
  if (!v) return fallback;
  if (*v <= 0 || *v > 86400.0) {
    throw ProtocolError(std::string("server field `") + name + "` must be within (0, 86400] seconds");
  }
  return milliseconds(static_cast<std::int64_t>(std::llround(*v * 1000.0)));
}

}  // namespace

AnswerKind classify(int status, const std::string& code) {
  if (status >= 200 && status < 300) return AnswerKind::ok;
  if (status == 0 || status >= 500 || status == 429 || status == 408) return AnswerKind::offline;
  if (status == 402) return AnswerKind::insufficient;
  if (status == 401) {
    if (code == "TOKEN_EXPIRED" || code == "INVALID_TOKEN") return AnswerKind::token_invalid;
    return AnswerKind::auth_failed;
  }
  if (status == 403) {
    if (code == "CONCURRENCY_LIMIT_REACHED") return AnswerKind::concurrency;
    if (code == "KEY_REVOKED") return AnswerKind::revoked;
    return AnswerKind::rejected;  // not our server's 403 (a proxy, a WAF): nothing was recorded
  }
  if (status == 422 && code == "IDEMPOTENCY_MISMATCH") return AnswerKind::mismatch;
  return AnswerKind::rejected;
}

Answer decode_answer(Outgoing::Kind request, int status, const std::string& body,
                     const std::string& retry_after, const std::string& transport_error,
                     std::int64_t wall_s) {
  Answer a;
  a.request = request;
  a.http_status = status;
  a.error = printable(transport_error);
  if (status == 0) {
    a.kind = AnswerKind::offline;
    return a;
  }
  const bool success = status >= 200 && status < 300;
  if (!success) {
    a.api_error = parse_api_error(status, body);
    if (!retry_after.empty()) a.api_error.retry_after = parse_retry_after(retry_after, wall_s);
  }
  a.kind = classify(status, a.api_error.code);
  try {
    if (request == Outgoing::Kind::token_exchange) {
      if (a.kind == AnswerKind::ok) a.grant = parse_token_grant(body);
    } else if (a.kind == AnswerKind::ok || a.kind == AnswerKind::insufficient || a.kind == AnswerKind::revoked) {
      if (request == Outgoing::Kind::events) a.events = parse_events_ack(body);
      else a.ack = parse_usage_ack(body);
    }
  } catch (const ProtocolError& e) {
    a.error = std::string("unreadable answer: ") + e.what();
    if (a.kind == AnswerKind::ok) a.kind = AnswerKind::offline;
  }
  return a;
}

// Request bodies and journal records are written directly rather than through a json object
// (a std::map and a serializer pass each), keys in the order nlohmann writes them (sorted),
// so the bytes are the same as earlier versions'. Strings are escaped here by hand, exactly as
// nlohmann's serializer does (tested byte for byte against it): its serializer copies the
// string into a json value and validates UTF-8 per character, which made escaping a
// heartbeat's body inside its journal record most of a group commit's CPU. Bytes >= 0x80 pass
// through as they are (the strings are UTF-8: ids are ASCII, bodies are our own JSON).
void append_json_string(std::string& out, const std::string& s) {
  static const char kHexDigits[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  std::size_t clean = 0;  // start of the run of characters that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s, clean, i - clean);
    clean = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHexDigits[c >> 4];
        out += kHexDigits[c & 15];
    }
  }
  out.append(s, clean, std::string::npos);
  out += '"';
}

std::string token_request_body(const std::string& model, const std::string& surface,
                               const std::string& session_id) {
  std::string out = "{\"client\":{\"name\":\"creditmeter-cpp\",\"version\":";
  append_json_string(out, CREDITMETER_VERSION_STRING);
  out += "},\"model\":";
  append_json_string(out, model);
  out += ",\"session_id\":";
  append_json_string(out, session_id);
  out += ",\"surface\":";
  append_json_string(out, surface);
  out += '}';
  return out;
}

std::string heartbeat_body(const std::string& session_id, std::uint64_t seq,
                           std::int64_t active_ms, const std::string& period_start,
                           const std::string& period_end) {
  std::string out = "{\"active_ms\":" + std::to_string(active_ms) + ",\"period_end\":";
  append_json_string(out, period_end);
  out += ",\"period_start\":";
  append_json_string(out, period_start);
  out += ",\"seq\":" + std::to_string(seq) + ",\"session_id\":";
  append_json_string(out, session_id);
  out += '}';
  return out;
}

std::string release_body(const std::string& session_id, std::uint64_t seq,
                         std::int64_t active_ms) {
  std::string out = "{\"active_ms\":" + std::to_string(active_ms) + ",\"seq\":" + std::to_string(seq) +
                    ",\"session_id\":";
  append_json_string(out, session_id);
  out += '}';
  return out;
}

std::string idempotency_key(const std::string& session_id, std::uint64_t seq) {
  return session_id + ":" + std::to_string(seq);
}

TokenGrant parse_token_grant(const std::string& body) {
  const JsonDoc doc = parse_body(body);
  TokenGrant g;
  g.token = require_string(doc, "token");
  if (g.token.empty()) throw ProtocolError("server answer has an empty `token`");
  if (g.token.size() > kMaxTokenBytes) {
    throw ProtocolError("server token is " + std::to_string(g.token.size()) + " bytes, more than 8 KiB");
  }
  g.session_id = require_string(doc, "session_id");
  if (!valid_session_id(g.session_id)) throw ProtocolError("server answer has an invalid `session_id`");
  g.expires_at = to_int64(require_number(doc, "expires_at"), "expires_at");
  g.heartbeat_interval = seconds_field(doc, "heartbeat_interval_s", milliseconds(60000));
  g.offline_grace = seconds_field(doc, "offline_grace_s", milliseconds(300000));
  g.credits_per_minute = optional_number(doc, "credits_per_minute").value_or(0.0);
  if (g.credits_per_minute < 0) throw ProtocolError("server field `credits_per_minute` is negative");
  g.balance = optional_number(doc, "balance").value_or(0.0);
  g.prices_micro = prices_field(doc);
  g.unit = unit_field(doc);
  return g;
}

UsageAck parse_usage_ack(const std::string& body) {
  const JsonDoc doc = parse_body(body);
  UsageAck a;
  a.balance = require_number(doc, "balance");
  a.credits_charged = optional_number(doc, "credits_charged").value_or(0.0);
  if (const int t = find_field(doc, "token"); t >= 0) {
    if (doc.at(t).kind != JsonDoc::Kind::string) throw ProtocolError("server field `token` is not a string");
    a.token = doc.at(t).text;
    if (a.token.size() > kMaxTokenBytes) {
      throw ProtocolError("server token is " + std::to_string(a.token.size()) + " bytes, more than 8 KiB");
    }
    if (auto exp = optional_number(doc, "expires_at")) a.expires_at = to_int64(*exp, "expires_at");
  }
  return a;
}

CreditSummary parse_credit_summary(const std::string& body) {
  const JsonDoc doc = parse_body(body);
  CreditSummary s;
  s.balance = require_number(doc, "balance");
  if (const int p = find_field(doc, "plan"); p >= 0 && doc.at(p).kind == JsonDoc::Kind::string) {
    s.plan = printable(doc.at(p).text);  // printed by the CLI: no escape sequences
  }
  if (const int r = find_field(doc, "renews_at"); r >= 0 && doc.at(r).kind == JsonDoc::Kind::string) {
    s.renews_at = printable(doc.at(r).text);
  }
  s.plan_credits = optional_number(doc, "plan_credits").value_or(0.0);
  s.topup_credits = optional_number(doc, "topup_credits").value_or(0.0);
  s.unit = unit_field(doc);
  int est = find_field(doc, "estimated_minutes");
  if (est < 0) est = find_field(doc, "minutes_estimate");
  if (est >= 0) {
    if (doc.at(est).kind != JsonDoc::Kind::object) throw ProtocolError("server field `estimated_minutes` is not an object");
    doc.for_each_child(est, [&](int i) {
      const JsonDoc::Value& v = doc.at(i);
      // Tolerant: skip what we cannot read. A repeated key: the last one counts, as for every
      // other field. Clamped below 2^63: a larger double does not fit the integer (undefined
      // behaviour).
      if (v.kind != JsonDoc::Kind::number || !std::isfinite(v.number)) return;
      s.estimated_minutes[printable(v.key)] = static_cast<std::int64_t>(std::min(std::floor(std::max(0.0, v.number)), 9.0e18));
    });
  }
  return s;
}

ApiError parse_api_error(int http_status, const std::string& body) {
  ApiError e;
  e.http_status = http_status;
  JsonDoc doc;
  try {
    doc = parse_body(body);
  } catch (const ProtocolError&) {
    return e;
  }
  const int err = find_field(doc, "error");
  const int src = (err >= 0 && doc.at(err).kind == JsonDoc::Kind::object) ? err : kRoot;
  // Bounded and escaped: both end up in log lines, exceptions and terminals.
  if (auto c = string_member(doc, src, "code")) e.code = printable(c->substr(0, 64));
  if (auto m = string_member(doc, src, "message")) e.message = printable(m->substr(0, 512));
  if (const int l = doc.member(src, "limit"); l >= 0 && doc.at(l).kind == JsonDoc::Kind::number) {
    const double d = doc.at(l).number;
    if (std::isfinite(d) && d >= 0 && d < 1e9) e.limit = static_cast<int>(d);
  }
  return e;
}

int error_answer_status(const std::string& body) {
  JsonDoc doc;
  try {
    doc = parse_body(body);
  } catch (const ProtocolError&) {
    return 0;
  }
  const int err = doc.member(kRoot, "error");
  if (err < 0 || doc.at(err).kind != JsonDoc::Kind::object) return 0;
  for (const auto& [object, name] : {std::pair<int, const char*>{err, "httpStatus"}, {kRoot, "status_code"}}) {
    const int v = doc.member(object, name);
    if (v < 0 || doc.at(v).kind != JsonDoc::Kind::number) continue;
    const double d = doc.at(v).number;
    if (d >= 400 && d < 600 && d == std::floor(d)) return static_cast<int>(d);
  }
  // The protocol's codes (docs/PROTOCOL.md): each belongs to one status.
  static const std::pair<const char*, int> kStatusOfCode[] = {
      {"INVALID_API_SECRET", 401}, {"TOKEN_EXPIRED", 401},  {"INVALID_TOKEN", 401},
      {"INSUFFICIENT_BALANCE", 402}, {"KEY_REVOKED", 403}, {"CONCURRENCY_LIMIT_REACHED", 403},
      {"RATE_LIMITED", 429}};
  const std::string code = string_member(doc, err, "code").value_or("");
  for (const auto& [name, status] : kStatusOfCode) {
    if (code == name) return status;
  }
  return 0;
}

bool valid_session_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> token_session_mismatch(const std::string& token, const std::string& requested) {
  const auto sid = jwt_session_id(token);
  if (!sid || *sid == requested) return std::nullopt;
  return "its token is for session `" + printable(sid->substr(0, 128)) + "`, not `" + requested + "`";
}

std::optional<std::string> session_mismatch(const TokenGrant& grant, const std::string& requested) {
  if (grant.session_id != requested) {
    // valid_session_id() vouched for the answer's id: printable as it is.
    return "the answer is for session `" + grant.session_id + "`, not `" + requested + "`";
  }
  return token_session_mismatch(grant.token, requested);
}

}  // namespace core
}  // namespace creditmeter
