// The durable journal against the real emulator: usage a Client could not deliver is
// delivered by the next one, also after kill -9 at each dangerous point, exactly once.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <fstream>
#include <sstream>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

struct JournalFixture {
  EmulatorProcess emu;
  TempDir journal;
  std::string secret = unique_secret("journal");
  JournalFixture() {
    emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 3}});
    emu.create_account(secret, "pro", 500);
  }
  ClientOptions options() const {
    ClientOptions o = client_options(emu, secret);
    o.journal_dir = journal.path();
    return o;
  }
};

// Every file under `dir`, recursively (journals live in a per-server subdirectory).
std::vector<std::string> files_under(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    const std::string path = dir + "/" + n;
    auto sub = files_under(path);
    if (sub.empty() && e->d_type != DT_DIR) out.push_back(path);
    out.insert(out.end(), sub.begin(), sub.end());
  }
  ::closedir(d);
  return out;
}

// A crash_client child process writing its progress to a file.
class Child {
 public:
  Child(const JournalFixture& f, const std::string& crash_at) : out_(f.journal.path() + "/../child-" + std::to_string(::getpid()) + ".out") {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      if (!crash_at.empty()) ::setenv("CREDITMETER_TEST_CRASH_AT", crash_at.c_str(), 1);
      const std::string url = f.emu.base_url();
      ::execl(CREDITMETER_CRASH_CLIENT, CREDITMETER_CRASH_CLIENT, url.c_str(), f.secret.c_str(),
              f.journal.path().c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::unlink(out_.c_str());
  }
  // Waits for the child's death (by its own crash point or by kill()); its wait status.
  bool wait_dead(std::chrono::milliseconds timeout, int* status) {
    const bool dead = wait_until([&] { return ::waitpid(pid_, status, WNOHANG) == pid_; }, timeout);
    if (dead) pid_ = -1;
    return dead;
  }
  void kill9() { ::kill(pid_, SIGKILL); }
  std::string session_id() const { return field("session"); }
  std::int64_t last_active_ms() const {
    const std::string v = field("active_ms");
    return v.empty() ? -1 : std::stoll(v);
  }

 private:
  std::string field(const std::string& name) const {
    std::ifstream in(out_);
    std::string line, last;
    while (std::getline(in, line)) {
      if (line.rfind(name + " ", 0) == 0) last = line.substr(name.size() + 1);
    }
    return last;
  }
  std::string out_;
  pid_t pid_ = -1;
};

// A new Client on the same journal delivers what the dead one owed; the ledger then holds
// exactly the usage the dead process had journaled.
nlohmann::json recover(JournalFixture& f, const std::string& session_id) {
  Client client(f.options());  // recovery starts in the constructor
  REQUIRE(client.flush(15s));
  const auto row = f.emu.ledger_session(session_id);
  REQUIRE(row.is_object());
  CHECK(row.at("released") == true);
  return row;
}

}  // namespace

TEST_CASE("usage a Client could not deliver is delivered by the next one", "[integration][journal][smoke]") {
  JournalFixture f;
  std::string id;
  std::int64_t metered = 0;
  {
    ClientOptions o = f.options();
    o.shutdown_timeout = 0ms;  // give up at once: the journal must carry the usage
    Client client(o);
    auto s = client.start_session();
    id = s->id();
    Renderer r(*s);
    REQUIRE(wait_until([&] { return s->stats().heartbeats_ok >= 1; }, 5s));
    f.emu.fault({{"mode", "refuse"}});
    REQUIRE(wait_until([&] { return s->stats().heartbeats_failed >= 2; }, 5s));
    r.stop();
    s->stop();
    metered = s->stats().active_ms;
    CHECK(s->stats().reported_ms < metered);
  }
  f.emu.clear_faults();
  // Never more than metered; usually less (the rest waits in the journal), though a lost
  // answer may have delivered it already: the exact total after recovery is what matters.
  CHECK(f.emu.ledger_session(id).at("active_ms").get<std::int64_t>() <= metered);
  const auto row = recover(f, id);
  CHECK(row.at("active_ms").get<std::int64_t>() == metered);
  CHECK(files_under(f.journal.path()).empty());  // delivered: every journal file is gone
}

TEST_CASE("kill -9 after the journal write, before the send: the heartbeat goes out once", "[integration][journal][crash]") {
  JournalFixture f;
  Child child(f, "after_journal_before_send");
  int status = 0;
  REQUIRE(child.wait_dead(10s, &status));
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  const std::string id = child.session_id();
  REQUIRE_FALSE(id.empty());
  CHECK(f.emu.ledger_session(id).at("heartbeats") == 0);  // it never reached the server
  const auto row = recover(f, id);
  const std::int64_t billed = row.at("active_ms").get<std::int64_t>();
  CHECK(billed > 0);
  CHECK(billed <= child.last_active_ms() + 100);
  CHECK(billed >= child.last_active_ms() - 1000);  // at most one interval lost
  CHECK(row.at("replays") == 0);
}

TEST_CASE("kill -9 after the server's answer, before the ack is written: a replay, not a second charge", "[integration][journal][crash]") {
  JournalFixture f;
  Child child(f, "after_answer_before_ack");
  int status = 0;
  REQUIRE(child.wait_dead(10s, &status));
  REQUIRE(WIFSIGNALED(status));
  const std::string id = child.session_id();
  const auto before = f.emu.ledger_session(id);
  REQUIRE(before.is_object());
  const std::int64_t charged_once = before.at("active_ms").get<std::int64_t>();
  CHECK(charged_once > 0);
  const auto row = recover(f, id);
  CHECK(row.at("replays").get<int>() >= 1);  // the same key came back and was absorbed
  const std::int64_t billed = row.at("active_ms").get<std::int64_t>();
  CHECK(billed >= charged_once);
  CHECK(billed <= child.last_active_ms() + 100);
  CHECK(billed >= child.last_active_ms() - 1000);
}

TEST_CASE("kill -9 during the grace: the offline usage is delivered by the next process", "[integration][journal][crash]") {
  JournalFixture f;
  Child child(f, "");
  REQUIRE(wait_until([&] { return child.last_active_ms() >= 1200; }, 10s));
  REQUIRE(wait_until([&] { return f.emu.ledger_session(child.session_id()).is_object() &&
                                  f.emu.ledger_session(child.session_id()).at("heartbeats").get<int>() >= 1; }, 5s));
  f.emu.fault({{"mode", "refuse"}});
  const std::int64_t at_outage = child.last_active_ms();
  REQUIRE(wait_until([&] { return child.last_active_ms() >= at_outage + 1800; }, 10s));  // ~2 s offline
  child.kill9();
  int status = 0;
  REQUIRE(child.wait_dead(5s, &status));
  f.emu.clear_faults();
  const std::string id = child.session_id();
  const auto row = recover(f, id);
  const std::int64_t billed = row.at("active_ms").get<std::int64_t>();
  CHECK(billed <= child.last_active_ms() + 100);
  CHECK(billed >= child.last_active_ms() - 1000);  // a checkpoint every interval
}

TEST_CASE("an emulator restart from --state mid-run loses and doubles nothing", "[integration][journal]") {
  TempDir state;
  EmulatorOptions eo;
  eo.state_path = state.file("ledger.json");
  EmulatorProcess emu(eo);
  emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 5}});
  const auto secret = unique_secret("restart");
  emu.create_account(secret, "pro", 500);
  Client client(client_options(emu, secret));
  auto s = client.start_session();
  Renderer r(*s);
  REQUIRE(wait_until([&] { return s->stats().heartbeats_ok >= 2; }, 5s));
  const int port = emu.port();
  emu.restart();
  REQUIRE(emu.port() == port);  // the client keeps its base URL
  const auto acked = s->stats().heartbeats_ok;
  REQUIRE(wait_until([&] { return s->stats().heartbeats_ok >= acked + 2; }, 8s));
  r.stop();
  s->stop();
  REQUIRE(client.flush(10s));
  const auto row = emu.ledger_session(s->id());
  CHECK(row.at("active_ms").get<std::int64_t>() == s->stats().active_ms);
  CHECK(s->stats().reported_ms == s->stats().active_ms);
}
