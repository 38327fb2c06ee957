#include "core/journal_format.hpp"

#include <cstring>
#include <memory>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "core/protocol.hpp"

namespace creditmeter {
namespace core {

using nlohmann::json;

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::size_t kHashHex = 64;
constexpr std::size_t kMaxRecordBytes = 256 * 1024;  // far above any real record
// Counts (ms, seqs) in records: JSON integers in [0, 2^53]. Sums of them are checked.
constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;

// A count field; anything else (a float, a negative or huge number) makes the record a problem.
std::int64_t count_field(const json& r, const char* name) {
  const json& v = r.at(name);
  if (!v.is_number_integer()) throw std::runtime_error(std::string(name) + " is not an integer");
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxCount)
                             : (v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > kMaxCount)) {
    throw std::runtime_error(std::string(name) + " is out of range");
  }
  return v.get<std::int64_t>();
}

std::int64_t checked_sum(std::int64_t a, std::int64_t b) {
  if (b > 0 && a > kMaxCount - b) throw std::runtime_error("usage total out of range");
  return a + b;
}

// SHA-256 fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up in its provider
// tables on every EVP_DigestInit_ex (a lock and a hash lookup per journal record). Kept for
// the life of the process (never freed: records may be hashed until exit).
const EVP_MD* sha256() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

ChainHash next_hash(const ChainHash& prev, const std::string& payload) {
  // One digest context per thread, reset for each record (a context per record was an
  // allocation and a free each time).
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  ChainHash out{};
  if (!ctx) return out;  // out of memory: the record will fail verification
  if (EVP_DigestInit_ex(ctx.get(), sha256(), nullptr) != 1 || EVP_DigestUpdate(ctx.get(), prev.data(), prev.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), payload.data(), payload.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), nullptr) != 1) {
    return ChainHash{};
  }
  return out;
}

std::string to_hex(const ChainHash& h) {
  std::string out;
  out.reserve(kHashHex);
  for (unsigned char b : h) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

const char* kind_name(Outgoing::Kind k) {
  switch (k) {
    case Outgoing::Kind::heartbeat: return "heartbeat";
    case Outgoing::Kind::release: return "release";
    case Outgoing::Kind::token_exchange: return "token_exchange";
    case Outgoing::Kind::events: return "events";
  }
  return "?";
}

}  // namespace

void encode_record(const std::string& payload, ChainHash& chain, std::string& out) {
  chain = next_hash(chain, payload);
  out += to_hex(chain);
  out.push_back(' ');
  out += payload;
  out.push_back('\n');
}

DecodedJournal decode_records(const std::string& bytes) {
  DecodedJournal d;
  ChainHash chain{};
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::size_t nl = bytes.find('\n', pos);
    if (nl == std::string::npos) {
      d.damage = "torn record at byte " + std::to_string(pos) + " (no end of line)";
      break;
    }
    const std::size_t len = nl - pos;
    if (len < kHashHex + 2 || len > kMaxRecordBytes || bytes[pos + kHashHex] != ' ') {
      d.damage = "malformed record at byte " + std::to_string(pos);
      break;
    }
    const std::string payload = bytes.substr(pos + kHashHex + 1, len - kHashHex - 1);
    const ChainHash expected = next_hash(chain, payload);
    if (bytes.compare(pos, kHashHex, to_hex(expected)) != 0) {
      d.damage = "checksum mismatch at byte " + std::to_string(pos) + " (corrupted or torn)";
      break;
    }
    chain = expected;
    d.records.push_back(payload);
    pos = nl + 1;
    d.valid_bytes = pos;
  }
  return d;
}

std::string meta_record(const std::string& base_url, const std::string& account, long pid) {
  return json{{"type", "meta"}, {"version", 1}, {"base_url", base_url}, {"account", account}, {"pid", pid}}.dump();
}

std::string session_record(const std::string& session_id, const std::string& model, const std::string& surface,
                           std::int64_t interval_ms, std::int64_t grace_ms) {
  return json{{"type", "session"}, {"sid", session_id}, {"model", model},        {"surface", surface},
              {"interval_ms", interval_ms}, {"grace_ms", grace_ms}}.dump();
}

// Written directly, keys in the sorted order a json object would write them (records from
// earlier versions look the same), strings escaped by nlohmann (append_json_string).
std::string journal_op_record(const std::string& session_id, const JournalOp& op) {
  std::string r = "{";
  const auto number = [&r](const char* key, auto value) {
    r += '"';
    r += key;
    r += "\":";
    r += std::to_string(value);
    r += ',';
  };
  const auto text = [&r](const char* key, const std::string& value) {
    r += '"';
    r += key;
    r += "\":";
    append_json_string(r, value);
    r += ',';
  };
  switch (op.kind) {
    case JournalOp::Kind::sent:
      number("active_ms", op.request.active_ms);
      text("body", op.request.body);  // exact bytes: a replay must be byte-identical
      text("key", op.request.idempotency_key);
      text("kind", kind_name(op.request.kind));
      number("seq", op.request.seq);
      text("sid", session_id);
      text("type", "sent");
      break;
    case JournalOp::Kind::ack:
    case JournalOp::Kind::drop:
      number("seq", op.seq);
      text("sid", session_id);
      text("type", op.kind == JournalOp::Kind::ack ? "ack" : "drop");
      break;
    case JournalOp::Kind::checkpoint:
      text("sid", session_id);
      number("total_ms", op.total_ms);
      text("type", "checkpoint");
      break;
    case JournalOp::Kind::state:
      number("last_seq", op.seq);
      if (op.released) r += "\"released\":true,";
      number("sent_ms", op.sent_ms);
      text("sid", session_id);
      number("total_ms", op.total_ms);
      text("type", "state");
      break;
    case JournalOp::Kind::event:
      text("action", op.event.action);
      number("at_ms", op.event.at_ms);
      text("event_id", op.event.event_id);
      number("quantity_milli", op.event.quantity_milli);
      text("sid", session_id);
      text("type", "event");
      break;
    case JournalOp::Kind::events_settled:
      r += "\"ids\":[";
      for (std::size_t i = 0; i < op.event_ids.size(); ++i) {
        if (i > 0) r += ',';
        append_json_string(r, op.event_ids[i]);
      }
      r += "],";
      text("sid", session_id);
      text("type", "events_settled");
      break;
  }
  r.back() = '}';
  return r;
}

RecoveredJournal replay_records(const std::vector<std::string>& records) {
  RecoveredJournal out;
  std::map<std::string, std::size_t> index;
  std::vector<std::map<std::uint64_t, Outgoing>> unacked;
  // Per session: its unsettled events by id, and their record order.
  struct Events {
    std::map<std::string, UsageEvent> by_id;
    std::vector<std::string> order;
  };
  std::vector<Events> events;
  auto session = [&](const std::string& sid) -> RecoveredSession* {
    auto it = index.find(sid);
    return it == index.end() ? nullptr : &out.sessions[it->second];
  };
  for (std::size_t i = 0; i < records.size(); ++i) {
    const json r = json::parse(records[i], nullptr, /*allow_exceptions=*/false);
    try {
      if (!r.is_object()) throw std::runtime_error("not an object");
      const std::string type = r.at("type").get<std::string>();
      if (type == "meta") {
        out.base_url = r.at("base_url").get<std::string>();
        out.account = r.at("account").get<std::string>();
        continue;
      }
      const std::string sid = r.at("sid").get<std::string>();
      if (type == "session") {
        // Read every field first: a bad record must not leave a half-made session behind.
        std::string model = r.at("model").get<std::string>();
        std::string surface = r.at("surface").get<std::string>();
        const std::int64_t interval_ms = count_field(r, "interval_ms");
        const std::int64_t grace_ms = count_field(r, "grace_ms");
        if (session(sid) == nullptr) {
          index[sid] = out.sessions.size();
          out.sessions.emplace_back();
          unacked.emplace_back();
          events.emplace_back();
        }
        RecoveredSession& s = *session(sid);
        s.session_id = sid;
        s.model = std::move(model);
        s.surface = std::move(surface);
        s.interval_ms = interval_ms;
        s.grace_ms = grace_ms;
        continue;
      }
      RecoveredSession* s = session(sid);
      if (s == nullptr) throw std::runtime_error("record for an unknown session");
      auto& pending = unacked[index[sid]];
      if (type == "sent") {
        Outgoing o;
        const std::string kind = r.at("kind").get<std::string>();
        if (kind == "heartbeat") o.kind = Outgoing::Kind::heartbeat;
        else if (kind == "release") o.kind = Outgoing::Kind::release;
        else throw std::runtime_error("unknown kind " + kind);
        o.seq = static_cast<std::uint64_t>(count_field(r, "seq"));
        o.idempotency_key = r.at("key").get<std::string>();
        o.body = r.at("body").get<std::string>();
        o.active_ms = count_field(r, "active_ms");
        const std::int64_t sent_ms = checked_sum(s->sent_ms, o.active_ms);
        s->last_seq = std::max(s->last_seq, o.seq);
        s->sent_ms = sent_ms;
        pending[o.seq] = std::move(o);
      } else if (type == "ack" || type == "drop") {
        const auto seq = static_cast<std::uint64_t>(count_field(r, "seq"));
        auto it = pending.find(seq);
        if (it == pending.end()) throw std::runtime_error(type + " of a seq never sent");
        if (type == "drop") s->sent_ms = std::max<std::int64_t>(0, s->sent_ms - it->second.active_ms);
        else if (it->second.kind == Outgoing::Kind::release) s->released = true;
        pending.erase(it);
      } else if (type == "checkpoint") {
        s->total_ms = std::max(s->total_ms, count_field(r, "total_ms"));
      } else if (type == "state") {
        const std::int64_t last_seq = count_field(r, "last_seq"), sent_ms = count_field(r, "sent_ms"),
                           total_ms = count_field(r, "total_ms");
        s->last_seq = std::max(s->last_seq, static_cast<std::uint64_t>(last_seq));
        s->sent_ms = sent_ms;
        s->total_ms = std::max(s->total_ms, total_ms);
        if (auto it = r.find("released"); it != r.end() && it->is_boolean() && it->get<bool>()) s->released = true;
      } else if (type == "event") {
        UsageEvent e;
        e.event_id = r.at("event_id").get<std::string>();
        e.action = r.at("action").get<std::string>();
        // An id is a UUID record() minted (36 characters): the lane holds no longer one.
        if (e.event_id.empty() || e.event_id.size() > 36 || e.action.empty() || e.action.size() > 64) {
          throw std::runtime_error("event with an invalid id or action");
        }
        e.quantity_milli = count_field(r, "quantity_milli");
        e.at_ms = count_field(r, "at_ms");
        Events& ev = events[index[sid]];
        if (ev.by_id.emplace(e.event_id, e).second) ev.order.push_back(e.event_id);
      } else if (type == "events_settled") {
        const json& ids = r.at("ids");
        if (!ids.is_array()) throw std::runtime_error("ids is not an array");
        Events& ev = events[index[sid]];
        for (const auto& id : ids) ev.by_id.erase(id.get<std::string>());
      } else {
        throw std::runtime_error("unknown record type " + type);
      }
    } catch (const std::exception& e) {
      out.problems.push_back("record " + std::to_string(i) + ": " + e.what());
    }
  }
  for (std::size_t i = 0; i < out.sessions.size(); ++i) {
    RecoveredSession& s = out.sessions[i];
    s.total_ms = std::max(s.total_ms, s.sent_ms);
    s.events.clear();
    for (const auto& id : events[i].order) {
      auto it = events[i].by_id.find(id);
      if (it == events[i].by_id.end()) continue;
      s.events.push_back(std::move(it->second));
      events[i].by_id.erase(it);  // an id recorded twice is owed once
    }
    s.ended = s.released && s.events.empty();
    if (!unacked[i].empty()) {
      // Resent as they are, in seq order (the machine keeps one pending at a time).
      s.unacknowledged.clear();
      for (const auto& entry : unacked[i]) s.unacknowledged.push_back(entry.second);
      s.ended = false;
    }
  }
  return out;
}

}  // namespace core
}  // namespace creditmeter
