// HTTPS serving, the command line, and the loopback-only admin API.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "protocol_helpers.hpp"

using namespace creditmeter::testing;

namespace {

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string first_non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (const ifaddrs* it = list; it && found.empty(); it = it->ifa_next) {
    if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(it->ifa_addr)->sin_addr, text, sizeof text);
    if (std::string(text).rfind("127.", 0) != 0) found = text;
  }
  freeifaddrs(list);
  return found;
}

}  // namespace

TEST_CASE("HTTPS with a certificate made by the openssl CLI", "[emulator][http][tls]") {
  if (run("command -v openssl > /dev/null 2>&1") != 0) {
    WARN("openssl CLI not found: TLS test skipped");
    return;
  }
  TempDir dir;
  const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  REQUIRE(run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
              "-keyout " + key + " -out " + cert + " > /dev/null 2>&1") == 0);
  EmulatorProcess emulator({{}, "", cert, key});
  CHECK(emulator.base_url().rfind("https://", 0) == 0);
  emulator.create_account("s", "free", 10);
  auto session = start_session(emulator, "s");
  CHECK(heartbeat(emulator, session, 60'000).status == 200);
  CHECK(emulator.ledger_session(session.id)["active_ms"] == 60'000);
  // Plain HTTP on the TLS port gets no answer.
  const auto plain = http_request("GET", "http://127.0.0.1:" + std::to_string(emulator.port()) + "/admin/ledger");
  CHECK(plain.status != 200);
}

TEST_CASE("command line: --help, bad options, --seed-account", "[emulator][cli]") {
  const std::string binary = emulator_path();
  CHECK(run(binary + " --help > /dev/null") == 0);
  CHECK(run(binary + " --bogus 2> /dev/null") == 2);
  CHECK(run(binary + " --port 70000 2> /dev/null") == 2);
  CHECK(run(binary + " --tls-cert only.pem 2> /dev/null") == 2);
  CHECK(run(binary + " --seed-account nocolons 2> /dev/null") == 2);
  CHECK(run(binary + " --tls-cert /nonexistent --tls-key /nonexistent --port 0 2> /dev/null") == 1);

  EmulatorProcess emulator({{"--seed-account", "seed:with:colon:pro:12.5", "--threads", "4", "--verbose"}, "", "", ""});
  const auto summary = credit_summary(emulator, "seed:with:colon").json()["data"];
  CHECK(summary["balance"] == 12.5);
  CHECK(summary["plan"] == "pro");
}

TEST_CASE("the admin API refuses non-loopback clients with 403", "[emulator][http]") {
  const std::string address = first_non_loopback_ipv4();
  if (address.empty()) {
    WARN("no non-loopback IPv4 address: test skipped");
    return;
  }
  EmulatorProcess emulator({{"--host", "0.0.0.0"}, "", "", ""});
  const std::string remote = "http://" + address + ":" + std::to_string(emulator.port());
  const auto refused = http_request("GET", remote + "/admin/ledger");
  CHECK(refused.status == 403);
  CHECK(refused.error_code() == "ADMIN_FORBIDDEN");
  CHECK(http_request("POST", remote + "/admin/accounts", {}, R"({"api_secret":"x","plan":"free"})").status == 403);
  CHECK(http_request("GET", remote + "/v2/credit-summaries", {{"api-secret", "x"}}).status == 401);  // protocol: fine
  CHECK(emulator.ledger()["sessions"].empty());  // loopback: fine
}
