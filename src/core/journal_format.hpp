#pragma once
// The usage journal's record format (docs/JOURNAL.md), pure: encoding, verified decoding,
// and the reconstruction of what each session still owes the server. The file I/O, locks
// and group commit live in src/journal.cpp.
//
// A journal file is a sequence of lines `<64 hex chain hash> <JSON record>\n`, where each
// chain hash is SHA-256(previous hash bytes || JSON). A torn or corrupted tail (a line
// without its newline, a bad hash, unreadable JSON) ends the readable part: what precedes
// it is trusted, what follows is reported and skipped.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/session_machine.hpp"

namespace creditmeter {
namespace core {

using ChainHash = std::array<unsigned char, 32>;

// Appends one record line to `out`, advancing `chain`.
void encode_record(const std::string& json, ChainHash& chain, std::string& out);

struct DecodedJournal {
  std::vector<std::string> records;  // the JSON of every verified record, in order
  std::size_t valid_bytes = 0;       // length of the verified prefix
  std::string damage;                // empty, or what was wrong at valid_bytes
};

// Never throws; bounded work per byte.
DecodedJournal decode_records(const std::string& bytes);

// Record builders (JSON text). No secret or token is ever part of a record.
std::string meta_record(const std::string& base_url, const std::string& account, long pid);
std::string session_record(const std::string& session_id, const std::string& model,
                           const std::string& surface, std::int64_t interval_ms, std::int64_t grace_ms);
std::string journal_op_record(const std::string& session_id, const JournalOp& op);

struct RecoveredJournal {
  std::string base_url, account;
  std::vector<RecoveredSession> sessions;  // in first-seen order, ended ones included
  std::vector<std::string> problems;       // records that made no sense (skipped)
};

RecoveredJournal replay_records(const std::vector<std::string>& records);

}  // namespace core
}  // namespace creditmeter
