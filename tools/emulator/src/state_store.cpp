#include "state_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace creditmeter::emulator {
namespace {

constexpr const char* kFormat = "creditmeter-emulator-state/1";

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void fsync_directory(const std::string& path) {
  const int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

StateStore::StateStore(std::string path, std::size_t compact_bytes)
    : path_(std::move(path)), log_path_(path_ + ".wal"), compact_bytes_(compact_bytes) {}

StateStore::~StateStore() {
  stop();
  if (log_fd_ >= 0) ::close(log_fd_);
}

StateStore::Loaded StateStore::load() const {
  Loaded loaded;
  std::ifstream snapshot(path_);
  if (snapshot) {
    std::stringstream text;
    text << snapshot.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (!json.is_object() || json.value("format", "") != kFormat || !json.contains("ledger")) {
      throw std::runtime_error("state file " + path_ + " is not a creditmeter-emulator state");
    }
    loaded.snapshot_seq = json.value("seq", std::uint64_t{0});
    loaded.ledger = std::move(json["ledger"]);
  }
  std::ifstream log(log_path_);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(log, line)) lines.push_back(line);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto record = nlohmann::json::parse(lines[i], nullptr, false);
    if (record.is_discarded() || !record.is_object() || !record.contains("seq")) {
      if (i + 1 == lines.size()) break;  // torn tail: never acknowledged
      throw std::runtime_error("state log " + log_path_ + " is corrupt at line " + std::to_string(i + 1));
    }
    if (record["seq"].get<std::uint64_t>() > loaded.snapshot_seq) loaded.records.push_back(std::move(record));
  }
  return loaded;
}

void StateStore::write_snapshot(const nlohmann::json& ledger, std::uint64_t seq) {
  const std::string text = nlohmann::json{{"format", kFormat}, {"seq", seq}, {"ledger", ledger}}.dump();
  const std::string temp = path_ + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw io_error("cannot create", temp);
  const bool ok = write_all(fd, text.data(), text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path_.c_str()) != 0) throw io_error("cannot write", path_);
  fsync_directory(path_);
  // The snapshot now holds every record up to seq: the log can start afresh.
  if (log_fd_ >= 0) ::close(log_fd_);
  log_fd_ = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd_ < 0) throw io_error("cannot open", log_path_);
  ::fsync(log_fd_);
  fsync_directory(log_path_);
  log_bytes_ = 0;
}

void StateStore::start(std::uint64_t last_seq, SnapshotSource snapshot_source) {
  snapshot_source_ = std::move(snapshot_source);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    next_seq_ = last_seq + 1;
    durable_seq_ = last_seq;
    stopping_ = false;
  }
  committer_ = std::thread([this] { commit_loop(); });
}

std::uint64_t StateStore::append(nlohmann::json record) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::uint64_t seq = next_seq_++;
  record["seq"] = seq;
  pending_.emplace_back(seq, record.dump() + "\n");
  work_.notify_one();
  return seq;
}

std::uint64_t StateStore::last_seq() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_seq_ - 1;
}

bool StateStore::wait_durable(std::uint64_t seq) {
  std::unique_lock<std::mutex> lock(mutex_);
  durable_cv_.wait(lock, [&] { return durable_seq_ >= seq || failed_; });
  return durable_seq_ >= seq;
}

void StateStore::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!committer_.joinable()) return;
    stopping_ = true;
  }
  work_.notify_one();
  committer_.join();
}

void StateStore::commit_loop() {
  for (;;) {
    std::vector<std::pair<std::uint64_t, std::string>> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_.wait(lock, [&] { return !pending_.empty() || stopping_; });
      if (pending_.empty() && stopping_) return;
      batch.swap(pending_);
    }
    const bool ok = write_log(batch);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (ok) {
        durable_seq_ = std::max(durable_seq_, batch.back().first);
      } else {
        failed_ = true;
      }
    }
    durable_cv_.notify_all();
    if (ok && log_bytes_ > compact_bytes_ && snapshot_source_) compact();
  }
}

bool StateStore::write_log(const std::vector<std::pair<std::uint64_t, std::string>>& batch) {
  std::string text;
  for (const auto& entry : batch) text += entry.second;
  if (log_fd_ < 0 || !write_all(log_fd_, text.data(), text.size()) || ::fdatasync(log_fd_) != 0) {
    std::cerr << "creditmeter-emulator: cannot write " << log_path_ << ": " << std::strerror(errno) << "\n";
    return false;
  }
  log_bytes_ += text.size();
  return true;
}

void StateStore::compact() {
  try {
    auto [ledger, seq] = snapshot_source_();
    write_snapshot(ledger, seq);
    // Records queued meanwhile with seq <= the snapshot's are in it; later ones go to the
    // fresh log on the next round (replay skips anything the snapshot already holds).
    {
      std::lock_guard<std::mutex> lock(mutex_);
      durable_seq_ = std::max(durable_seq_, seq);
    }
    durable_cv_.notify_all();
  } catch (const std::exception& e) {
    std::cerr << "creditmeter-emulator: compaction failed: " << e.what() << "\n";
  }
}

}  // namespace creditmeter::emulator
