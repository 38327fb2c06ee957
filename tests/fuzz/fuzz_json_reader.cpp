// libFuzzer target: src/core/json_reader.cpp against nlohmann::json, the reference. For every
// input both must agree: the same verdict (valid or not), and for a valid document the same
// values in the same places (objects compared as nlohmann keeps them: the last of a repeated
// key wins). Documents nesting deeper than the reader's cap are refused by the reader alone
// and must be valid JSON (or not) with nlohmann deeper than the cap.

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "fuzz_check.hpp"

using creditmeter::core::JsonDoc;
using nlohmann::json;

namespace {

constexpr int kCap = 32;

int depth_of(const json& j) {
  if (!j.is_structured()) return 0;
  int deepest = 0;
  for (const auto& child : j) deepest = std::max(deepest, depth_of(child));
  return deepest + 1;
}

// Whether the reader's value at `index` is the same as `ref`.
bool same(const JsonDoc& doc, int index, const json& ref) {
  const JsonDoc::Value& v = doc.at(index);
  switch (v.kind) {
    case JsonDoc::Kind::null: return ref.is_null();
    case JsonDoc::Kind::boolean: return ref.is_boolean() && ref.get<bool>() == v.boolean;
    case JsonDoc::Kind::number: return ref.is_number() && ref.get<double>() == v.number;
    case JsonDoc::Kind::string: return ref.is_string() && ref.get<std::string>() == v.text;
    case JsonDoc::Kind::array: {
      if (!ref.is_array()) return false;
      std::size_t k = 0;
      bool equal = true;
      doc.for_each_child(index, [&](int i) {
        equal = equal && k < ref.size() && same(doc, i, ref[k]);
        ++k;
      });
      return equal && k == ref.size();
    }
    case JsonDoc::Kind::object: {
      if (!ref.is_object()) return false;
      std::set<std::string> keys;
      doc.for_each_child(index, [&](int i) { keys.insert(doc.at(i).key); });
      if (keys.size() != ref.size()) return false;
      for (const auto& key : keys) {
        const auto it = ref.find(key);
        if (it == ref.end() || !same(doc, doc.member(index, key), *it)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  JsonDoc doc;
  JsonDoc::Status status = doc.parse(text, kCap);
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    // A NUL byte is never valid JSON (a control character in a string, not whitespace
    // outside one); nlohmann takes one outside a string for the end of the input (C
    // strings), so only what comes before it can be compared.
    FUZZ_CHECK(status != JsonDoc::Status::ok);
    text.resize(nul);
    status = doc.parse(text, kCap);
  }
  const json ref = json::parse(text, nullptr, /*allow_exceptions=*/false);
  switch (status) {
    case JsonDoc::Status::ok:
      FUZZ_CHECK(!ref.is_discarded());
      FUZZ_CHECK(depth_of(ref) <= kCap);
      FUZZ_CHECK(same(doc, 0, ref));
      break;
    case JsonDoc::Status::invalid:
      FUZZ_CHECK(doc.empty());
      FUZZ_CHECK(ref.is_discarded());
      break;
    case JsonDoc::Status::too_deep:
      FUZZ_CHECK(doc.empty());
      FUZZ_CHECK(ref.is_discarded() || depth_of(ref) > kCap);
      break;
    case JsonDoc::Status::too_large:  // more values than the reader keeps: valid or not
      FUZZ_CHECK(doc.empty());
      FUZZ_CHECK(text.size() >= 2 * JsonDoc::kMaxValues - 1);  // "0,0,...": 2 bytes a value
      break;
  }
  return 0;
}
