// The logger (src/logger.cpp): the level filter, the user's sink or stderr, and the last line
// of defence that scrubs the API secret from every message.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "emulator_process.hpp"  // TempDir
#include "logger.hpp"

using creditmeter::LogLevel;
using creditmeter::detail::Logger;
using creditmeter::detail::redact;

namespace {

constexpr const char* kSecret = "sk_test_logger_secret_42";

struct Captured {
  std::vector<std::pair<LogLevel, std::string>> lines;
  creditmeter::LogCallback sink() {
    return [this](LogLevel level, const std::string& m) { lines.emplace_back(level, m); };
  }
};

// What `write` printed to stderr (fd 2), read back from a file stderr was pointed at.
template <typename Write>
std::string capture_stderr(Write&& write) {
  creditmeter::testing::TempDir dir;
  const std::string path = dir.file("stderr.txt");
  std::fflush(stderr);
  const int saved = ::dup(2);
  std::FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  ::dup2(::fileno(file), 2);
  write();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("logger: messages below the threshold are dropped", "[unit][logger]") {
  Captured c;
  const Logger logger(c.sink(), LogLevel::warning, "");
  logger.debug("d");
  logger.info("i");
  logger.warning("w");
  logger.error("e");
  logger.log(LogLevel::info, "i2");
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0] == std::make_pair(LogLevel::warning, std::string("w")));
  CHECK(c.lines[1] == std::make_pair(LogLevel::error, std::string("e")));
  CHECK_FALSE(logger.enabled(LogLevel::info));
  CHECK(logger.enabled(LogLevel::warning));
  CHECK(logger.enabled(LogLevel::error));
}

TEST_CASE("logger: the API secret never reaches the sink", "[unit][logger]") {
  Captured c;
  const Logger logger(c.sink(), LogLevel::debug, kSecret);
  logger.error(std::string("refused: api-secret ") + kSecret + " and again " + kSecret + ".");
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].second == "refused: api-secret [redacted] and again [redacted].");
}

TEST_CASE("logger: redact() scrubs every occurrence, and never short strings", "[unit][logger]") {
  CHECK(redact("aXXXXbXXXX", "XXXX") == "a[redacted]b[redacted]");
  CHECK(redact("XXXXXXXX", "XXXX") == "[redacted][redacted]");
  CHECK(redact("nothing here", "XXXX") == "nothing here");
  // No secret, or one too short to be real: ordinary words stay as they are.
  CHECK(redact("the key", "") == "the key");
  CHECK(redact("the key", "key") == "the key");
}

TEST_CASE("logger: a throwing sink does not take the caller down", "[unit][logger]") {
  int calls = 0;
  const Logger logger(
      [&](LogLevel, const std::string&) {
        ++calls;
        throw std::runtime_error("sink broke");
      },
      LogLevel::debug, "");
  CHECK_NOTHROW(logger.error("one"));
  CHECK_NOTHROW(logger.warning("two"));
  CHECK(calls == 2);
}

TEST_CASE("logger: without a sink it writes one line per message to stderr, scrubbed", "[unit][logger]") {
  const std::string out = capture_stderr([] {
    const Logger logger(nullptr, LogLevel::info, kSecret);
    logger.debug("not shown");
    logger.warning(std::string("bad secret ") + kSecret);
    logger.info("hello");
  });
  CHECK(out == "creditmeter warning: bad secret [redacted]\ncreditmeter info: hello\n");
}
