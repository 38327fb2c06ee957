// The usage-events part of the protocol (docs/PROTOCOL.md "Usage events"): the request body,
// quantities in thousandths, the answer's reading, and the two fields the token answer and the
// credit summary gained for them (`prices`, `unit`). Declared in protocol.hpp and
// answer_fields.hpp; the answer is decoded once, by decode_answer (protocol.cpp).

#include <cmath>
#include <cstdlib>

#include "core/answer_fields.hpp"
#include "core/printable.hpp"
#include "core/protocol.hpp"
#include "core/time_format.hpp"

namespace creditmeter {
namespace core {

namespace {

// The ids a server lists: strings only, bounded (an id is a UUID; anything longer is not ours
// and never matches). A list of another type is a ProtocolError.
std::vector<std::string> id_list(const JsonDoc& doc, const char* name) {
  std::vector<std::string> ids;
  const int list = find_field(doc, name);
  if (list < 0) return ids;
  if (doc.at(list).kind != JsonDoc::Kind::array) {
    throw ProtocolError(std::string("server field `") + name + "` is not an array");
  }
  doc.for_each_child(list, [&](int i) {
    if (doc.at(i).kind != JsonDoc::Kind::string) {
      throw ProtocolError(std::string("server field `") + name + "` holds a value that is not a string");
    }
    if (doc.at(i).text.size() <= 128) ids.push_back(doc.at(i).text);
  });
  return ids;
}

}  // namespace

std::string milli_text(std::int64_t milli) {
  const std::lldiv_t d = std::lldiv(milli, 1000);
  std::string out = std::to_string(d.quot);
  if (d.rem == 0) return out;
  char frac[4] = {static_cast<char>('0' + d.rem / 100), static_cast<char>('0' + d.rem / 10 % 10),
                  static_cast<char>('0' + d.rem % 10), '\0'};
  std::size_t len = 3;
  while (frac[len - 1] == '0') --len;
  out += '.';
  out.append(frac, len);
  return out;
}

std::string events_body(const std::string& session_id, const std::vector<const UsageEvent*>& events) {
  std::string out = "{\"events\":[";
  out.reserve(64 + events.size() * 128);
  bool first = true;
  for (const UsageEvent* e : events) {
    if (!first) out += ',';
    first = false;
    out += "{\"action\":";
    append_json_string(out, e->action);
    out += ",\"at\":";
    append_json_string(out, rfc3339_ms(e->at_ms));
    out += ",\"event_id\":";
    append_json_string(out, e->event_id);
    out += ",\"quantity\":";
    out += milli_text(e->quantity_milli);
    out += '}';
  }
  out += "],\"session_id\":";
  append_json_string(out, session_id);
  out += '}';
  return out;
}

EventsAck parse_events_ack(const std::string& body) {
  const JsonDoc doc = parse_answer_body(body);
  EventsAck a;
  if (auto balance = optional_number(doc, "balance")) {
    a.balance = *balance;
    a.has_balance = true;
  }
  a.credits_charged = optional_number(doc, "credits_charged").value_or(0.0);
  a.accepted = id_list(doc, "accepted");
  a.duplicates = id_list(doc, "duplicates");
  if (const int list = find_field(doc, "rejected"); list >= 0) {
    if (doc.at(list).kind != JsonDoc::Kind::array) throw ProtocolError("server field `rejected` is not an array");
    doc.for_each_child(list, [&](int i) {
      if (doc.at(i).kind != JsonDoc::Kind::object) throw ProtocolError("server field `rejected` holds a non-object");
      const int id = doc.member(i, "event_id");
      if (id < 0 || doc.at(id).kind != JsonDoc::Kind::string) {
        throw ProtocolError("server field `rejected` holds an entry without a string `event_id`");
      }
      EventRejection r;
      r.event_id = doc.at(id).text;
      if (const int c = doc.member(i, "code"); c >= 0 && doc.at(c).kind == JsonDoc::Kind::string) {
        r.code = printable(doc.at(c).text.substr(0, 64));
      }
      if (const int m = doc.member(i, "message"); m >= 0 && doc.at(m).kind == JsonDoc::Kind::string) {
        r.message = printable(doc.at(m).text.substr(0, 512));
      }
      a.rejected.push_back(std::move(r));
    });
  }
  if (const int charges = find_field(doc, "charges"); charges >= 0) {
    if (doc.at(charges).kind != JsonDoc::Kind::object) throw ProtocolError("server field `charges` is not an object");
    a.has_charges = true;
    doc.for_each_child(charges, [&](int i) {
      const JsonDoc::Value& v = doc.at(i);
      // A charge is floor(quantity x price): never negative. The upper bound (a trillion units
      // for one event) keeps sums of a hostile server's charges finite, so credits_charged
      // and the cap's judgement stay numbers.
      if (v.kind != JsonDoc::Kind::number || !std::isfinite(v.number) || v.number < 0 || v.number > 1e12) {
        throw ProtocolError("server field `charges` holds a value that is not a number from 0 to 1e12");
      }
      a.charges[v.key] = v.number;
    });
  }
  return a;
}

std::string unit_field(const JsonDoc& doc) {
  const int u = find_field(doc, "unit");
  if (u < 0) return "credits";
  const JsonDoc::Value& v = doc.at(u);
  if (v.kind != JsonDoc::Kind::string) throw ProtocolError("server field `unit` is not a string");
  if (v.text.empty() || v.text.size() > 15) throw ProtocolError("server field `unit` must be 1-15 characters");
  for (char c : v.text) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      throw ProtocolError("server field `unit` holds a character that is not printable ASCII");
    }
  }
  return v.text;
}

std::map<std::string, std::int64_t> prices_field(const JsonDoc& doc) {
  std::map<std::string, std::int64_t> prices;
  const int p = find_field(doc, "prices");
  if (p < 0) return prices;
  if (doc.at(p).kind != JsonDoc::Kind::object) throw ProtocolError("server field `prices` is not an object");
  doc.for_each_child(p, [&](int i) {
    const JsonDoc::Value& v = doc.at(i);
    // Tolerant per entry: a price we cannot read is unknown (projected at 0), not an error.
    if (v.kind != JsonDoc::Kind::number || !std::isfinite(v.number) || v.number < 0 || v.number > 1e9) return;
    if (v.key.empty() || v.key.size() > 64) return;
    prices[v.key] = std::llround(v.number * 1e6);
  });
  return prices;
}

}  // namespace core
}  // namespace creditmeter
