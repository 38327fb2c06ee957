// A careless caller: options that would be cut short, unusable or absurd are refused with a
// clear InvalidArgument before anything is sent or written.

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <string>

#include <creditmeter/creditmeter.hpp>

#include "emulator_process.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

ClientOptions loopback_options() {
  ClientOptions o;
  o.base_url = "http://127.0.0.1:9";
  o.api_secret = "sk_careless_0123456789";
  o.journal_dir = "";
  o.log = [](LogLevel, const std::string&) {};
  return o;
}

}  // namespace

TEST_CASE("a NUL byte inside base_url or journal_dir is refused, not cut short", "[security][options]") {
  ClientOptions url = loopback_options();
  url.base_url = std::string("http://127.0.0.1:9\0.evil.example", 33);
  CHECK_THROWS_MATCHES(Client(url), InvalidArgument, Catch::Matchers::Message("base_url contains a NUL byte"));

  TempDir dir;
  ClientOptions journal = loopback_options();
  journal.journal_dir = dir.path() + std::string("/a\0b", 4);
  CHECK_THROWS_MATCHES(Client(journal), InvalidArgument,
                       Catch::Matchers::Message("ClientOptions::journal_dir contains a NUL byte"));
}

TEST_CASE("an explicit journal_dir that cannot be used is InvalidArgument", "[security][options]") {
  TempDir dir;
  ClientOptions file = loopback_options();
  const std::string plain_file = dir.path() + "/a-file";
  std::FILE* f = std::fopen(plain_file.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  file.journal_dir = plain_file + "/journal";
  CHECK_THROWS_AS(Client(file), InvalidArgument);
  CHECK_THROWS_WITH(Client(file), Catch::Contains("journal_dir") && Catch::Contains("cannot be used"));

  if (::geteuid() != 0) {  // root writes anywhere
    const std::string locked = dir.path() + "/locked";
    REQUIRE(::mkdir(locked.c_str(), 0500) == 0);
    ClientOptions readonly = loopback_options();
    readonly.journal_dir = locked;
    CHECK_THROWS_WITH(Client(readonly), Catch::Contains("not writable"));
  }
  ClientOptions fine = loopback_options();
  fine.journal_dir = dir.path() + "/new/nested";
  CHECK_NOTHROW(Client(fine));
}

TEST_CASE("a 10 MB api_secret is refused by its size, not reported as libcurl's out of memory",
          "[security][options]") {
  ClientOptions o = loopback_options();
  o.api_secret = std::string(10u << 20, 's');
  CHECK_THROWS_MATCHES(Client(o), InvalidArgument,
                       Catch::Matchers::Predicate<InvalidArgument>([](const InvalidArgument& e) {
                         const std::string w = e.what();
                         return w.find("api_secret is 10485760 bytes long") != std::string::npos &&
                                w.find("ssss") == std::string::npos;
                       }));
}

TEST_CASE("min_heartbeat_interval must be positive", "[security][options]") {
  ClientOptions o = loopback_options();
  o.min_heartbeat_interval = 0ms;
  CHECK_THROWS_WITH(Client(o), Catch::Contains("min_heartbeat_interval"));
}
