#pragma once
// A strict reader of the JSON the server sends (answers, JWT claims) into one flat array of
// values. Written by hand on purpose: nlohmann's DOM parser (a lexer that copies and checks
// every character one call at a time, a std::map per object) was a third of start_session's
// own instructions and the largest piece of the SDK's own work per heartbeat answer (see
// docs/BENCHMARKS.md). It accepts what RFC 8259 allows and nothing else (UTF-8 checked,
// surrogates paired), caps the nesting, and is fuzzed against nlohmann for the same verdict
// and the same values (tests/fuzz/fuzz_json_reader.cpp). The journal, our own format, is
// still read with nlohmann (src/core/journal_format.cpp): it is not on a hot path.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace creditmeter {
namespace core {

class JsonDoc {
 public:
  enum class Kind : std::uint8_t { null, boolean, number, string, object, array };
  struct Value {
    Kind kind = Kind::null;
    int parent = -1;       // index of the enclosing object or array; -1 for the root
    std::string key;       // the member's name when the parent is an object
    std::string text;      // strings: the unescaped UTF-8 text
    double number = 0;     // numbers, integers included (as nlohmann's get<double>())
    bool boolean = false;  // true / false
  };
  enum class Status { ok, invalid, too_deep, too_large };
  // At most this many values (too_large beyond): a value takes ~90 bytes here, and a hostile
  // 1 MiB body of `[0,0,0,...]` must not cost more memory than a few MiB. Real answers hold
  // a few dozen.
  static constexpr std::size_t kMaxValues = 20000;

  // Parses one document (any kind of root; a UTF-8 byte-order mark is skipped, as nlohmann
  // does). Arrays and objects nest at most `max_depth` deep, and it holds at most kMaxValues
  // values. On failure the document is empty.
  Status parse(std::string_view text, int max_depth);

  bool empty() const { return values_.empty(); }
  const Value& root() const { return values_.front(); }
  const Value& at(int index) const { return values_[static_cast<std::size_t>(index)]; }
  const std::vector<Value>& values() const { return values_; }
  // The index of member `key` of the object at `object` (the last one when a key repeats,
  // as nlohmann's DOM keeps it), or -1 when there is none or `object` is no object.
  int member(int object, std::string_view key) const;
  // Calls f(index) for each direct member or element of the value at `parent`, in order.
  template <typename F>
  void for_each_child(int parent, F f) const {
    // A value's subtree follows it in document order; the first value after the subtree
    // belongs to an ancestor (a smaller parent index), which ends the walk.
    for (std::size_t i = static_cast<std::size_t>(parent) + 1; i < values_.size(); ++i) {
      if (values_[i].parent < parent) return;
      if (values_[i].parent == parent) f(static_cast<int>(i));
    }
  }

 private:
  std::vector<Value> values_;
};

}  // namespace core
}  // namespace creditmeter
