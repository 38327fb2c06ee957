// Durable state for --state PATH: a snapshot file plus a write-ahead log.
//
// Why not only snapshots: with thousands of sessions heartbeating, rewriting the whole
// ledger for every acknowledged request would cost O(state) per request. Instead each
// mutating call is appended to PATH.wal and the log is fsync'd in groups by one committer
// thread (group commit): a request's answer waits until the batch holding its record is
// durable, so an acknowledged request is never lost by a crash, and one fsync covers every
// request that arrived meanwhile. When the log grows past a threshold (and at start and
// clean shutdown) the ledger is snapshotted to PATH atomically (temp file, fsync, rename,
// fsync of the directory) and the log is emptied. Records carry a sequence number and the
// snapshot the last one it contains, so a crash between the rename and the truncation only
// leaves records that are skipped on replay. A torn last line (a crash mid-write) was never
// acknowledged and is ignored.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace creditmeter::emulator {

class StateStore {
 public:
  struct Loaded {
    std::optional<nlohmann::json> ledger;  // the snapshot's ledger, if a snapshot exists
    std::uint64_t snapshot_seq = 0;        // last record the snapshot contains
    std::vector<nlohmann::json> records;   // logged calls after it, in order
  };
  // Returns the ledger to snapshot and the sequence number of the last record it reflects.
  using SnapshotSource = std::function<std::pair<nlohmann::json, std::uint64_t>()>;

  explicit StateStore(std::string path, std::size_t compact_bytes = 64u << 20);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Throws std::runtime_error on unreadable or corrupt files.
  Loaded load() const;

  // Atomically replaces the snapshot with `ledger` (which reflects every record up to
  // `seq`) and empties the log.
  void write_snapshot(const nlohmann::json& ledger, std::uint64_t seq);

  // Starts the committer thread; records get sequence numbers after `last_seq`.
  void start(std::uint64_t last_seq, SnapshotSource snapshot_source);

  // Queues one record and returns its sequence number. Called while the caller holds the
  // lock that orders the calls themselves, so the log's order is the order of application.
  std::uint64_t append(nlohmann::json record);
  std::uint64_t last_seq() const;

  // Blocks until record `seq` is durable. False if the store failed to write it.
  bool wait_durable(std::uint64_t seq);

  // Writes what is queued and stops the committer (no snapshot: the caller takes one).
  void stop();

  const std::string& path() const { return path_; }

 private:
  void commit_loop();
  bool write_log(const std::vector<std::pair<std::uint64_t, std::string>>& batch);
  void compact();

  const std::string path_;
  const std::string log_path_;
  const std::size_t compact_bytes_;
  int log_fd_ = -1;
  std::size_t log_bytes_ = 0;
  SnapshotSource snapshot_source_;

  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable durable_cv_;
  std::vector<std::pair<std::uint64_t, std::string>> pending_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t durable_seq_ = 0;
  bool failed_ = false;
  bool stopping_ = false;
  std::thread committer_;
};

}  // namespace creditmeter::emulator
