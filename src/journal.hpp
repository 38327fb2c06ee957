#pragma once
// The durable usage journal of one Client (docs/JOURNAL.md): an append-only file of
// hash-chained records under <journal_dir>/<server+account key>/, locked for the Client's
// life, group-committed (one write + fdatasync per scheduler turn), compacted when it grows.
// A new Client adopts the files of dead processes (their lock is free) and recovers them.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/journal_format.hpp"

namespace creditmeter {
namespace detail {

class Logger;

class Journal {
 public:
  // Opens this Client's journal; nullptr (after a logged warning) when the directory is
  // unusable: a journal problem never stops a Client from working.
  static std::unique_ptr<Journal> open(const std::string& root, const std::string& base_url,
                                       const std::string& account, std::uint64_t max_bytes,
                                       const Logger& logger);
  ~Journal();  // closes; removes the files when `clean` was set (nothing owed)

  // The sessions that dead processes' journals (same server and account) still owe. Their
  // files stay locked by us until release_orphans(), which deletes them: call it once their
  // state is committed in our own journal.
  std::vector<core::RecoveredSession> adopt_orphans();
  void release_orphans();

  // Buffered appends (any thread); commit() makes them durable.
  void append(const std::string& record_json);
  void append_ops(const std::string& session_id, const std::vector<core::JournalOp>& ops);
  // One write and, when anything must be durable before it is sent, one fdatasync.
  // False on an I/O error (logged once; the journal then stops writing).
  bool commit();
  // Replaces the file by `records` (the live state), atomically.
  bool rewrite(const std::vector<std::string>& records);

  std::uint64_t size() const;
  bool wants_compaction() const;
  bool full() const;
  void set_clean(bool clean) { clean_ = clean; }
  const std::string& path() const { return data_path_; }

  // For tests: the directory holding this server+account's journals.
  static std::string directory(const std::string& root, const std::string& base_url, const std::string& account);

 private:
  Journal(const Logger& logger, std::string dir, std::string name, int lock_fd, int data_fd,
          std::uint64_t max_bytes, std::string meta);

  const Logger& logger_;
  const std::string dir_;
  const std::string lock_path_;
  const std::string data_path_;
  int lock_fd_;
  int data_fd_;
  const std::uint64_t max_bytes_;
  const std::string meta_;  // the first record of every (re)written file

  mutable std::mutex mutex_;
  std::vector<std::string> pending_;  // appended, not yet committed
  bool buffer_needs_sync_ = false;
  core::ChainHash chain_{};
  std::uint64_t size_ = 0;
  std::uint64_t compacted_size_ = 0;
  bool failed_ = false;
  bool clean_ = false;

  struct Orphan {
    std::string lock_path, data_path;
    int lock_fd;
  };
  std::vector<Orphan> orphans_;
};

// Where a Client keeps its journal: empty until opened (at construction, or at the first
// token in secretless mode, whose `sub` claim names the account), then readable from any
// thread without a lock (the scheduler reads it every turn).
class JournalSlot {
 public:
  Journal* get() const { return ptr_.load(std::memory_order_acquire); }
  // Runs `open` once, under the slot's lock; false when it was opened before.
  template <typename Open>
  bool open_once(Open&& open) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (opened_) return false;
    opened_ = true;
    journal_ = open();
    ptr_.store(journal_.get(), std::memory_order_release);
    return true;
  }
  // Closes it (frees its lock: what it still holds is the next Client's to deliver).
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    ptr_.store(nullptr, std::memory_order_release);
    journal_.reset();
  }

 private:
  std::mutex mutex_;
  bool opened_ = false;
  std::unique_ptr<Journal> journal_;
  std::atomic<Journal*> ptr_{nullptr};
};

// The journal's account key: a hash of the API secret (never the secret itself).
std::string account_key_from_secret(const std::string& api_secret);
// $XDG_STATE_HOME/creditmeter, else ~/.local/state/creditmeter.
// An explicit ClientOptions::journal_dir must be usable: created (owner-only) when missing,
// a writable directory. Throws InvalidArgument naming the reason; the default location is
// not checked here (it falls back to no journal with a warning).
void check_journal_dir(const std::string& dir);
std::string default_journal_root();

#ifdef CREDITMETER_TESTING
// Test-only crash points (env CREDITMETER_TEST_CRASH_AT): SIGKILL ourselves at `point`.
void crash_point(const char* point);
#else
inline void crash_point(const char*) {}
#endif

}  // namespace detail
}  // namespace creditmeter
