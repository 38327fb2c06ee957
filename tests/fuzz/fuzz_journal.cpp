// libFuzzer target: the journal reader of src/core/journal_format.cpp.
//  1. decode_records() on the raw bytes: never throws, the verified prefix is a prefix.
//  2. The input's lines as record JSON, chained with encode_record(): decoding gives them back
//     exactly, and replay_records() over them never throws (bad records become `problems`).
// Without step 2 random bytes would never get past the hash chain to the record reader.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/journal_format.hpp"
#include "fuzz_check.hpp"

using namespace creditmeter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  const core::DecodedJournal raw = core::decode_records(bytes);
  FUZZ_CHECK(raw.valid_bytes <= bytes.size());
  FUZZ_CHECK(raw.damage.empty() == (raw.valid_bytes == bytes.size()));
  (void)core::replay_records(raw.records);

  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos <= bytes.size()) {
    const std::size_t nl = bytes.find('\n', pos);
    const std::size_t end = nl == std::string::npos ? bytes.size() : nl;
    if (end > pos && end - pos <= 200000) lines.push_back(bytes.substr(pos, end - pos));  // records are < 256 KiB
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  core::ChainHash chain{};
  std::string file;
  for (const auto& line : lines) core::encode_record(line, chain, file);
  const core::DecodedJournal back = core::decode_records(file);
  FUZZ_CHECK(back.damage.empty());
  FUZZ_CHECK(back.valid_bytes == file.size());
  FUZZ_CHECK(back.records == lines);

  const core::RecoveredJournal r = core::replay_records(back.records);
  for (const auto& s : r.sessions) {
    FUZZ_CHECK(s.total_ms >= s.sent_ms);
    if (!s.unacknowledged.empty()) FUZZ_CHECK(!s.ended);
  }
  // A torn tail (the last byte cut) is detected, never a crash.
  if (!file.empty()) {
    const core::DecodedJournal torn = core::decode_records(file.substr(0, file.size() - 1));
    FUZZ_CHECK(!torn.damage.empty());
    FUZZ_CHECK(torn.records.size() + 1 == lines.size());
  }
  return 0;
}
