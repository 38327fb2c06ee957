// Session ids: random version-4 UUIDs from OpenSSL's CSPRNG, drawn in blocks (src/uuid.cpp).

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <string>

#include "uuid.hpp"

using creditmeter::detail::random_uuid;

TEST_CASE("random_uuid gives distinct RFC 4122 version-4 ids across many blocks", "[unit][client]") {
  const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {  // across 4 blocks of 256
    const std::string id = random_uuid();
    REQUIRE(std::regex_match(id, shape));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("a fork()ed child never hands out the parent's cached random bytes", "[unit][client]") {
  random_uuid();  // this thread now holds a block with ids left
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string id = random_uuid();
    const ssize_t n = write(fds[1], id.data(), id.size());
    _exit(n == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(fds[1]);
  char buffer[64] = {0};
  const ssize_t n = read(fds[0], buffer, sizeof buffer);
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(n == 36);
  const std::string from_child(buffer, 36);
  CHECK(from_child != random_uuid());  // the parent's next id from its block
}
