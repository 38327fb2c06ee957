// The ledger's snapshot: the whole LedgerState as JSON, the "creditmeter-emulator-ledger/2"
// document that --state keeps in PATH (state_store.hpp writes and reads the file); a /1
// document (before usage events) is still read.
//
// The format is a contract with every state file already written: field names and meanings
// never change; a change that needs new fields gets a new format version.
#pragma once

#include <nlohmann/json.hpp>

#include "ledger_state.hpp"

namespace creditmeter::emulator {

nlohmann::json snapshot_of(const LedgerState& state);

// Throws std::runtime_error when the snapshot is not one this version wrote, or is corrupt.
LedgerState state_from_snapshot(const nlohmann::json& snapshot);

}  // namespace creditmeter::emulator
