#include "journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/printable.hpp"
#include "creditmeter/errors.hpp"
#include "logger.hpp"

namespace creditmeter {
namespace detail {

namespace {

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

std::string errno_text() { return std::strerror(errno); }

bool make_dirs(const std::string& path) {
  // mkdir -p, owner-only: journals hold usage and session ids, nothing for other users.
  std::string partial;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool read_file(const std::string& path, std::string& out, std::uint64_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;  // no data file: an owner that died right after locking
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > limit) break;  // a cap: a huge foreign file must not exhaust memory
  }
  ::close(fd);
  return true;
}

std::string random_hex(std::size_t bytes) {
  unsigned char b[16];
  RAND_bytes(b, static_cast<int>(std::min<std::size_t>(bytes, sizeof b)));
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes, sizeof b); ++i) {
    out.push_back(hex[b[i] >> 4]);
    out.push_back(hex[b[i] & 15]);
  }
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string account_key_from_secret(const std::string& api_secret) {
  return sha256_hex("creditmeter-account\n" + api_secret).substr(0, 32);
}

std::string default_journal_root() {
#if defined(__ANDROID__)
  // An Android app's files directory is known only to the app (Context.getFilesDir()): there
  // is no default, whatever the environment says (docs/JAVA.md: pass journalDir).
  return {};
#else
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/creditmeter";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return std::string(home) + "/.local/state/creditmeter";
  }
  return {};
#endif
}

void check_journal_dir(const std::string& dir) {
  if (dir.find('\0') != std::string::npos) {
    throw InvalidArgument("ClientOptions::journal_dir contains a NUL byte");
  }
  const std::string shown = core::printable(dir);
  if (!make_dirs(dir)) {
    throw InvalidArgument("ClientOptions::journal_dir \"" + shown + "\" cannot be used: not a directory, or it cannot be created (" +
                          errno_text() + "); pass a writable directory, or \"\" to run without a journal");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw InvalidArgument("ClientOptions::journal_dir \"" + shown + "\" is not writable (" + errno_text() +
                          "); pass a writable directory, or \"\" to run without a journal");
  }
}

std::string Journal::directory(const std::string& root, const std::string& base_url, const std::string& account) {
  return root + "/" + sha256_hex("creditmeter-journal-v1\n" + base_url + "\n" + account).substr(0, 24);
}

std::unique_ptr<Journal> Journal::open(const std::string& root, const std::string& base_url,
                                       const std::string& account, std::uint64_t max_bytes,
                                       const Logger& logger) {
  const std::string dir = directory(root, base_url, account);
  auto fail = [&](const std::string& what) -> std::unique_ptr<Journal> {
    logger.warning("usage journal disabled: cannot " + what + " in " + dir + " (" + errno_text() +
                   "); usage is kept in memory only");
    return nullptr;
  };
  if (!make_dirs(dir)) return fail("create the directory");
  const std::string name = std::to_string(::getpid()) + "-" + random_hex(8);
  // The lock file is locked under a temporary name, then renamed: an adopter scanning the
  // directory never sees it unlocked.
  const std::string tmp_lock = dir + "/." + name + ".lock.tmp";
  const int lock_fd = ::open(tmp_lock.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (lock_fd < 0) return fail("create a lock file");
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0 || ::rename(tmp_lock.c_str(), (dir + "/" + name + ".lock").c_str()) != 0) {
    ::close(lock_fd);
    ::unlink(tmp_lock.c_str());
    return fail("lock the journal");
  }
  const std::string data_path = dir + "/" + name + ".journal";
  const int data_fd = ::open(data_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (data_fd < 0) {
    ::unlink((dir + "/" + name + ".lock").c_str());
    ::close(lock_fd);
    return fail("create the journal file");
  }
  std::unique_ptr<Journal> j(new Journal(logger, dir, name, lock_fd, data_fd, max_bytes,
                                         core::meta_record(base_url, account, static_cast<long>(::getpid()))));
  j->append(j->meta_);
  j->buffer_needs_sync_ = true;
  if (!j->commit()) return nullptr;
  sync_dir(dir);
  return j;
}

Journal::Journal(const Logger& logger, std::string dir, std::string name, int lock_fd, int data_fd,
                 std::uint64_t max_bytes, std::string meta)
    : logger_(logger),
      dir_(std::move(dir)),
      lock_path_(dir_ + "/" + name + ".lock"),
      data_path_(dir_ + "/" + name + ".journal"),
      lock_fd_(lock_fd),
      data_fd_(data_fd),
      max_bytes_(max_bytes),
      meta_(std::move(meta)) {}

Journal::~Journal() {
  if (data_fd_ >= 0) ::close(data_fd_);
  if (clean_ && !failed_) {
    ::unlink(data_path_.c_str());
    ::unlink(lock_path_.c_str());
  }
  for (auto& o : orphans_) ::close(o.lock_fd);  // not released: they stay for the next Client
  ::close(lock_fd_);  // frees our lock: from now on another Client may adopt what is left
}

std::vector<core::RecoveredSession> Journal::adopt_orphans() {
  std::vector<core::RecoveredSession> owed;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return owed;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n[0] != '.' && ends_with(n, ".lock") && dir_ + "/" + n != lock_path_) names.push_back(n);
  }
  ::closedir(d);
  for (const auto& n : names) {
    const std::string lock_path = dir_ + "/" + n;
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat held {}, named {};
    // A live owner holds its lock; a file another adopter just deleted is not ours either.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::fstat(fd, &held) != 0 || ::stat(lock_path.c_str(), &named) != 0 ||
        held.st_ino != named.st_ino) {
      ::close(fd);
      continue;
    }
    const std::string data_path = lock_path.substr(0, lock_path.size() - 5) + ".journal";
    std::string bytes;
    if (!read_file(data_path, bytes, max_bytes_ * 2 + (1 << 20))) {
      logger_.warning("usage journal: cannot read " + data_path + " (" + errno_text() + "); left for later");
      ::close(fd);
      continue;
    }
    const core::DecodedJournal decoded = core::decode_records(bytes);
    if (!decoded.damage.empty()) {
      logger_.warning("usage journal " + data_path + ": " + decoded.damage + "; " +
                      std::to_string(decoded.records.size()) + " records before it are recovered, the rest skipped");
    }
    const core::RecoveredJournal content = core::replay_records(decoded.records);
    for (const auto& p : content.problems) logger_.warning("usage journal " + data_path + ": " + p + " (skipped)");
    for (const auto& s : content.sessions) {
      if (!s.ended && !s.model.empty()) owed.push_back(s);
    }
    logger_.info("usage journal: adopting " + data_path + " from a process that is gone");
    orphans_.push_back(Orphan{lock_path, data_path, fd});
  }
  return owed;
}

void Journal::release_orphans() {
  for (auto& o : orphans_) {
    ::unlink(o.data_path.c_str());
    ::unlink(o.lock_path.c_str());
    ::close(o.lock_fd);
  }
  if (!orphans_.empty()) sync_dir(dir_);
  orphans_.clear();
}

void Journal::append(const std::string& record_json) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back(record_json);
}

void Journal::append_ops(const std::string& session_id, const std::vector<core::JournalOp>& ops) {
  if (ops.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& op : ops) {
    pending_.push_back(core::journal_op_record(session_id, op));
    // What is about to be sent, and usage not yet in any heartbeat, must be on disk first.
    // Acknowledgements need not: a lost ack only means a harmless replay.
    if (op.kind == core::JournalOp::Kind::sent || op.kind == core::JournalOp::Kind::checkpoint ||
        op.kind == core::JournalOp::Kind::state || op.kind == core::JournalOp::Kind::event) {
      buffer_needs_sync_ = true;
    }
  }
}

bool Journal::commit() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_.empty() || failed_) {
    pending_.clear();
    return !failed_;
  }
  // Chained at commit, not at append: a compaction in between re-bases the chain.
  std::string bytes;
  for (const auto& r : pending_) core::encode_record(r, chain_, bytes);
  bool ok = write_all(data_fd_, bytes);
  if (ok && buffer_needs_sync_) ok = ::fdatasync(data_fd_) == 0;
  if (!ok) {
    failed_ = true;
    logger_.error("usage journal " + data_path_ + ": write failed (" + errno_text() +
                  "); journaling stops, usage is kept in memory only");
    return false;
  }
  size_ += bytes.size();
  pending_.clear();
  buffer_needs_sync_ = false;
  return true;
}

bool Journal::rewrite(const std::vector<std::string>& records) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (failed_) return false;
  core::ChainHash chain{};
  std::string bytes;
  core::encode_record(meta_, chain, bytes);
  for (const auto& r : records) core::encode_record(r, chain, bytes);
  const std::string tmp = data_path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && write_all(fd, bytes) && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(tmp.c_str(), data_path_.c_str()) == 0;
  if (!ok) {
    ::unlink(tmp.c_str());
    logger_.warning("usage journal " + data_path_ + ": compaction failed (" + errno_text() + "); kept growing");
    return false;
  }
  sync_dir(dir_);
  const int new_fd = ::open(data_path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (new_fd < 0) {
    failed_ = true;
    logger_.error("usage journal " + data_path_ + ": cannot reopen after compaction (" + errno_text() + ")");
    return false;
  }
  ::close(data_fd_);
  data_fd_ = new_fd;
  chain_ = chain;  // records still pending chain on from the new file
  size_ = compacted_size_ = bytes.size();
  return true;
}

std::uint64_t Journal::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_;
}

bool Journal::wants_compaction() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !failed_ && size_ > std::max<std::uint64_t>(1u << 20, 4 * compacted_size_);
}

bool Journal::full() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_ > max_bytes_;
}

#ifdef CREDITMETER_TESTING
void crash_point(const char* point) {
  const char* at = std::getenv("CREDITMETER_TEST_CRASH_AT");
  if (at != nullptr && std::strcmp(at, point) == 0) ::raise(SIGKILL);
}
#endif

}  // namespace detail
}  // namespace creditmeter
