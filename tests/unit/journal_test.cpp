// The journal's files (src/journal.cpp), in a temporary directory: where they live and who
// may read them, group commit, adoption of a dead process's journal and what it still owes,
// damaged tails, clean closes, the size cap and compaction. The record format itself is
// journal_format_test.cpp's; the journal under a running Client is tests/integration's.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/journal_format.hpp"
#include "core/session_requests.hpp"
#include "emulator_process.hpp"  // TempDir
#include "journal.hpp"
#include "logger.hpp"

namespace core = creditmeter::core;
namespace fs = std::filesystem;
using creditmeter::LogLevel;
using creditmeter::detail::Journal;
using creditmeter::detail::Logger;
using creditmeter::testing::TempDir;
using nlohmann::json;

namespace {

constexpr const char* kBase = "https://billing.example";
constexpr const char* kAccount = "acct-key";

// A logger that keeps its lines for the test (journals log from the thread that calls them).
struct Logs {
  std::mutex mutex;
  std::vector<std::string> lines;
  Logger logger{[this](LogLevel, const std::string& m) {
                  std::lock_guard<std::mutex> lock(mutex);
                  lines.push_back(m);
                },
                LogLevel::debug, ""};
  bool any(const std::string& part) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& l : lines) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<Journal> open_journal(const TempDir& root, Logs& logs, std::uint64_t max_bytes = 1 << 20) {
  return Journal::open(root.path(), kBase, kAccount, max_bytes, logs.logger);
}

const core::SessionRequests kSession("s-1", "essence", "cloud");

core::JournalOp sent(core::Outgoing request) {
  request.idempotency_key = core::idempotency_key(kSession.session_id(), request.seq);
  core::JournalOp op;
  op.kind = core::JournalOp::Kind::sent;
  op.request = std::move(request);
  return op;
}

core::JournalOp sent_heartbeat(std::uint64_t seq, std::int64_t active_ms) {
  return sent(kSession.heartbeat(seq, active_ms, 1'700'000'000'000, 1'700'000'060'000));
}

core::JournalOp op(core::JournalOp::Kind kind, std::uint64_t seq, std::int64_t total_ms = 0) {
  core::JournalOp o;
  o.kind = kind;
  o.seq = seq;
  o.total_ms = total_ms;
  return o;
}

std::string session_record() { return core::session_record("s-1", "essence", "cloud", 60000, 300000); }

// A journal that already holds session s-1's record, committed.
std::unique_ptr<Journal> open_with_session(const TempDir& root, Logs& logs, std::uint64_t max_bytes = 1 << 20) {
  auto j = open_journal(root, logs, max_bytes);
  REQUIRE(j);
  j->append(session_record());
  REQUIRE(j->commit());
  return j;
}

// The verified records of a journal file.
core::DecodedJournal decode(const std::string& path) { return core::decode_records(read_all(path)); }

// A journal left behind by a "dead process": written, committed, closed without `clean`.
std::string leave_journal(const TempDir& root, Logs& logs, const std::vector<core::JournalOp>& ops) {
  auto dead = open_with_session(root, logs);
  dead->append_ops("s-1", ops);
  REQUIRE(dead->commit());
  return dead->path();
}

}  // namespace

TEST_CASE("journal: one owner-only directory per server and account, starting with its meta record",
          "[unit][journal]") {
  TempDir root;
  Logs logs;
  auto j = open_journal(root, logs);
  REQUIRE(j);
  const std::string dir = Journal::directory(root.path(), kBase, kAccount);
  CHECK(fs::path(j->path()).parent_path() == fs::path(dir));
  CHECK(fs::path(j->path()).extension() == ".journal");

  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat(j->path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  const auto decoded = decode(j->path());
  CHECK(decoded.damage.empty());
  REQUIRE(decoded.records.size() == 1);
  const json meta = json::parse(decoded.records[0]);
  CHECK(meta.at("type") == "meta");
  CHECK(meta.at("base_url") == kBase);
  CHECK(meta.at("account") == kAccount);
  CHECK(j->size() == fs::file_size(j->path()));

  // Another server or account is another directory: journals are never mixed up.
  CHECK(Journal::directory(root.path(), kBase, "other") != dir);
  CHECK(Journal::directory(root.path(), "https://other.example", kAccount) != dir);
  CHECK(Journal::directory(root.path(), kBase, kAccount) == dir);
}

TEST_CASE("journal: the account key is a stable hash of the secret, never the secret", "[unit][journal]") {
  const std::string secret = "sk_live_journal_secret_1";
  const std::string key = creditmeter::detail::account_key_from_secret(secret);
  CHECK(key.size() == 32);
  CHECK(key.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(key == creditmeter::detail::account_key_from_secret(secret));
  CHECK(key != creditmeter::detail::account_key_from_secret(secret + "2"));
  CHECK(key.find(secret) == std::string::npos);
}

TEST_CASE("journal: appends reach the file at commit, in order, on one hash chain", "[unit][journal]") {
  TempDir root;
  Logs logs;
  auto j = open_journal(root, logs);
  REQUIRE(j);
  const auto opened_size = fs::file_size(j->path());

  j->append(session_record());
  j->append_ops("s-1", {sent_heartbeat(1, 1000), op(core::JournalOp::Kind::checkpoint, 0, 2500)});
  CHECK(fs::file_size(j->path()) == opened_size);  // buffered until commit

  REQUIRE(j->commit());
  auto decoded = decode(j->path());
  CHECK(decoded.damage.empty());
  REQUIRE(decoded.records.size() == 4);
  CHECK(json::parse(decoded.records[1]).at("type") == "session");
  CHECK(json::parse(decoded.records[2]).at("type") == "sent");
  CHECK(json::parse(decoded.records[3]).at("type") == "checkpoint");
  CHECK(j->size() == fs::file_size(j->path()));

  const auto size = j->size();
  CHECK(j->commit());  // nothing pending: nothing written
  CHECK(j->size() == size);
}

TEST_CASE("journal: group commit takes every thread's appends in one commit", "[unit][journal]") {
  TempDir root;
  Logs logs;
  auto j = open_with_session(root, logs);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&j, t] {
      for (int i = 0; i < 50; ++i) j->append_ops("s-1", {op(core::JournalOp::Kind::checkpoint, 0, t * 1000 + i)});
    });
  }
  for (auto& w : writers) w.join();
  REQUIRE(j->commit());
  const auto decoded = decode(j->path());
  CHECK(decoded.damage.empty());
  CHECK(decoded.records.size() == 2 + 200);
}

TEST_CASE("journal: a dead process's journal is adopted once and what it owes recovered", "[unit][journal]") {
  TempDir root;
  Logs logs;
  const core::JournalOp heartbeat = sent_heartbeat(1, 1000);
  const std::string dead_path =
      leave_journal(root, logs, {heartbeat, op(core::JournalOp::Kind::checkpoint, 0, 2500)});
  REQUIRE(fs::exists(dead_path));

  auto next = open_journal(root, logs);
  REQUIRE(next);
  const auto owed = next->adopt_orphans();
  REQUIRE(owed.size() == 1);
  CHECK(owed[0].session_id == "s-1");
  CHECK(owed[0].model == "essence");
  CHECK(owed[0].surface == "cloud");
  CHECK(owed[0].last_seq == 1);
  CHECK(owed[0].sent_ms == 1000);
  CHECK(owed[0].total_ms == 2500);
  REQUIRE(owed[0].unacknowledged.size() == 1);
  CHECK(owed[0].unacknowledged[0].body == heartbeat.request.body);  // resent byte-identical
  CHECK(owed[0].unacknowledged[0].idempotency_key == "s-1:1");
  CHECK(logs.any("adopting " + dead_path));

  // Held by its adopter: no other Client takes it as well.
  auto third = open_journal(root, logs);
  REQUIRE(third);
  CHECK(third->adopt_orphans().empty());

  CHECK(fs::exists(dead_path));  // until the adopter committed what it owes
  next->release_orphans();
  CHECK_FALSE(fs::exists(dead_path));
}

TEST_CASE("journal: a live Client's journal is never adopted", "[unit][journal]") {
  TempDir root;
  Logs logs;
  auto live = open_with_session(root, logs);
  live->append_ops("s-1", {sent_heartbeat(1, 1000)});
  REQUIRE(live->commit());

  auto other = open_journal(root, logs);
  REQUIRE(other);
  CHECK(other->adopt_orphans().empty());
  other->release_orphans();
  CHECK(fs::exists(live->path()));
}

TEST_CASE("journal: a session whose release was acknowledged owes nothing", "[unit][journal]") {
  TempDir root;
  Logs logs;
  leave_journal(root, logs, {sent_heartbeat(1, 1000), op(core::JournalOp::Kind::ack, 1),
                             sent(kSession.release(2, 200)), op(core::JournalOp::Kind::ack, 2)});
  auto next = open_journal(root, logs);
  REQUIRE(next);
  CHECK(next->adopt_orphans().empty());
}

TEST_CASE("journal: a damaged tail keeps the records before it and says so", "[unit][journal]") {
  TempDir root;
  Logs logs;
  std::string dead_path;
  {
    auto dead = open_journal(root, logs);
    REQUIRE(dead);
    dead->append(session_record());
    dead->append_ops("s-1", {sent_heartbeat(1, 1000)});
    REQUIRE(dead->commit());
    dead->append_ops("s-1", {op(core::JournalOp::Kind::ack, 1), sent_heartbeat(2, 700)});
    REQUIRE(dead->commit());
    dead_path = dead->path();
  }

  SECTION("a corrupted record") {
    std::string bytes = read_all(dead_path);
    const auto last = bytes.rfind("\"seq\":2");  // inside the last record's JSON
    REQUIRE(last != std::string::npos);
    bytes[last + 6] = '3';
    std::ofstream(dead_path, std::ios::binary | std::ios::trunc) << bytes;
    auto next = open_journal(root, logs);
    REQUIRE(next);
    const auto owed = next->adopt_orphans();
    // The verified prefix: heartbeat 1 sent and acknowledged; heartbeat 2 is not trusted.
    REQUIRE(owed.size() == 1);
    CHECK(owed[0].unacknowledged.empty());
    CHECK(owed[0].sent_ms == 1000);
    CHECK(logs.any("checksum mismatch"));
    CHECK(logs.any("4 records before it are recovered, the rest skipped"));
  }
  SECTION("a torn last line") {
    std::ofstream(dead_path, std::ios::binary | std::ios::app) << "0123abcd";
    auto next = open_journal(root, logs);
    REQUIRE(next);
    const auto owed = next->adopt_orphans();
    REQUIRE(owed.size() == 1);
    REQUIRE(owed[0].unacknowledged.size() == 1);  // heartbeat 2 was whole: it is owed
    CHECK(owed[0].unacknowledged[0].seq == 2);
    CHECK(logs.any("torn record"));
  }
}

TEST_CASE("journal: a clean close removes the files, otherwise they stay for the next Client",
          "[unit][journal]") {
  TempDir root;
  Logs logs;
  std::string kept, removed;
  {
    auto j = open_journal(root, logs);
    REQUIRE(j);
    kept = j->path();
  }
  {
    auto j = open_journal(root, logs);
    REQUIRE(j);
    removed = j->path();
    j->set_clean(true);
  }
  CHECK(fs::exists(kept));
  CHECK_FALSE(fs::exists(removed));
  CHECK_FALSE(fs::exists(fs::path(removed).replace_extension(".lock")));
}

TEST_CASE("journal: full beyond its cap, compaction rewrites the live state and the chain goes on",
          "[unit][journal]") {
  TempDir root;
  Logs logs;
  auto j = open_with_session(root, logs, /*max_bytes=*/4096);
  CHECK_FALSE(j->full());
  CHECK_FALSE(j->wants_compaction());
  for (int i = 0; !j->full() && i < 1000; ++i) {
    j->append_ops("s-1", {op(core::JournalOp::Kind::checkpoint, 0, i)});
    REQUIRE(j->commit());
  }
  CHECK(j->full());

  core::JournalOp state = op(core::JournalOp::Kind::state, 7, 999);
  state.sent_ms = 900;
  REQUIRE(j->rewrite({session_record(), core::journal_op_record("s-1", state)}));
  CHECK_FALSE(j->full());
  CHECK(j->size() == fs::file_size(j->path()));
  j->append_ops("s-1", {op(core::JournalOp::Kind::checkpoint, 0, 1200)});
  REQUIRE(j->commit());
  const auto decoded = decode(j->path());
  CHECK(decoded.damage.empty());  // the records after the rewrite chain on from it
  REQUIRE(decoded.records.size() == 4);  // meta, session, state, checkpoint
  CHECK(json::parse(decoded.records[0]).at("type") == "meta");
  const auto replayed = core::replay_records(decoded.records);
  REQUIRE(replayed.sessions.size() == 1);
  CHECK(replayed.sessions[0].last_seq == 7);
  CHECK(replayed.sessions[0].total_ms == 1200);
}

TEST_CASE("journal: compaction is wanted once it grew past 1 MiB and 4x its compacted size", "[unit][journal]") {
  TempDir root;
  Logs logs;
  auto j = open_journal(root, logs, /*max_bytes=*/64 << 20);
  REQUIRE(j);
  j->append(session_record());
  while (j->size() <= (1u << 20)) {
    for (int i = 0; i < 1000; ++i) j->append_ops("s-1", {op(core::JournalOp::Kind::checkpoint, 0, i)});
    REQUIRE(j->commit());
  }
  CHECK(j->wants_compaction());
  REQUIRE(j->rewrite({session_record()}));
  CHECK_FALSE(j->wants_compaction());
}

TEST_CASE("journal: an unusable directory disables it with a warning, never an error", "[unit][journal]") {
  TempDir root;
  Logs logs;
  std::ofstream(root.file("not-a-dir")) << "x";
  const auto j = Journal::open(root.file("not-a-dir"), kBase, kAccount, 1 << 20, logs.logger);
  CHECK(j == nullptr);
  CHECK(logs.any("usage journal disabled: cannot create the directory"));
  CHECK(logs.any("usage is kept in memory only"));
}

TEST_CASE("journal: the default root is $XDG_STATE_HOME/creditmeter, else under $HOME", "[unit][journal]") {
  const std::string xdg = std::getenv("XDG_STATE_HOME") ? std::getenv("XDG_STATE_HOME") : "";
  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::setenv("XDG_STATE_HOME", "/var/tmp/state", 1);
  ::setenv("HOME", "/home/someone", 1);
  CHECK(creditmeter::detail::default_journal_root() == "/var/tmp/state/creditmeter");
  ::setenv("XDG_STATE_HOME", "relative/state", 1);  // not absolute: ignored, as the spec says
  CHECK(creditmeter::detail::default_journal_root() == "/home/someone/.local/state/creditmeter");
  ::unsetenv("XDG_STATE_HOME");
  ::unsetenv("HOME");
  CHECK(creditmeter::detail::default_journal_root().empty());
  ::setenv("XDG_STATE_HOME", xdg.c_str(), 1);
  if (!home.empty()) ::setenv("HOME", home.c_str(), 1);
}
