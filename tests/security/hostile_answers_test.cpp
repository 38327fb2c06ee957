// What a hostile or broken server (or the app's token provider) answers, and what the client
// refuses to take from it: a heartbeat interval that would spin the I/O thread, another
// session's answer or token, and control characters meant for a log line or a terminal.

#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <atomic>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hostile_server.hpp"
#include "security_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string base64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return out;
}

// An unsigned-looking JWT with these claims (the client reads claims, the server verifies).
std::string jwt(const json& claims) {
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims.dump()) + ".c2lnbmF0dXJl";
}

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

json ack(double balance = 100) {
  return {{"data", {{"balance", balance}, {"credits_charged", 0}}}, {"status", "success"}, {"status_code", 200}};
}

bool has_control_chars(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a server's tiny heartbeat interval is raised to min_heartbeat_interval, logged once", "[security][hostile]") {
  HostileServer server;
  std::atomic<int> heartbeats{0};
  server.on("/v1/runtime-tokens/request", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(grant_for(requested_session(req), 1e-9, 30).dump(), "application/json");
  });
  server.on("/v1/runtime-tokens/heartbeat", [&](const httplib::Request&, httplib::Response& res) {
    ++heartbeats;
    res.set_content(ack().dump(), "application/json");
  });
  server.on("/v1/runtime-tokens/release",
            [](const httplib::Request&, httplib::Response& res) { res.set_content(ack().dump(), "application/json"); });
  LogCapture logs;
  ClientOptions o = hostile_options(server);
  o.log = logs.callback();
  o.min_heartbeat_interval = 500ms;
  Client client(o);
  auto a = client.start_session();
  auto b = client.start_session();
  // Unbounded, the two sessions heartbeat as fast as answers return (hundreds a second).
  REQUIRE(wait_until([&] { return heartbeats.load() >= 2; }, 5s));
  CHECK_FALSE(wait_until([&] { return heartbeats.load() > 10; }, 1500ms));
  int raised = 0;
  for (const auto& line : logs.lines()) {
    if (line.find("min_heartbeat_interval") != std::string::npos) ++raised;
  }
  CHECK(raised == 1);
}

TEST_CASE("a server's tiny offline grace is raised to 1 s", "[security][hostile]") {
  HostileServer server;
  server.on("/v1/runtime-tokens/request", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(grant_for(requested_session(req), 30, 0.001).dump(), "application/json");
  });
  Client client(hostile_options(server));
  auto s = client.start_session();
  // Unbounded, the grace passes 1 ms after the start and the session pauses offline.
  CHECK_FALSE(wait_until([&] { return s->state() != SessionState::active; }, 500ms));
  REQUIRE(wait_until([&] { return s->state() == SessionState::paused_offline; }, 3s));
}

TEST_CASE("a start answered for another session is refused, naming both ids", "[security][hostile]") {
  HostileServer server;
  SECTION("the server answers another session_id") {
    server.on("/v1/runtime-tokens/request", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(grant_for("other-session").dump(), "application/json");
    });
    Client client(hostile_options(server));
    SessionOptions so;
    so.session_id = "hsess-1";
    CHECK_THROWS_MATCHES(client.start_session(so), AuthenticationError,
                         Catch::Matchers::Predicate<AuthenticationError>([](const AuthenticationError& e) {
                           const std::string w = e.what();
                           return w.find("`other-session`") != std::string::npos && w.find("`hsess-1`") != std::string::npos;
                         }));
  }
  SECTION("the token's sid claim names another session") {
    server.on("/v1/runtime-tokens/request", [](const httplib::Request& req, httplib::Response& res) {
      json g = grant_for(requested_session(req));
      g["data"]["token"] = jwt({{"sub", "acct_1"}, {"sid", "other-session"}, {"exp", now_s() + 300}});
      res.set_content(g.dump(), "application/json");
    });
    Client client(hostile_options(server));
    SessionOptions so;
    so.session_id = "hsess-1";
    CHECK_THROWS_WITH(client.start_session(so), Catch::Contains("token is for session `other-session`, not `hsess-1`"));
  }
  SECTION("a token provider returns another session's answer") {
    ClientOptions o = hostile_options(server);
    o.api_secret.clear();
    o.token_provider = [](const std::string&) { return grant_for("other-session").dump(); };
    Client client(o);
    SessionOptions so;
    so.session_id = "hsess-1";
    CHECK_THROWS_AS(client.start_session(so), AuthenticationError);
    CHECK_THROWS_WITH(client.start_session(so), Catch::Contains("token provider") && Catch::Contains("`other-session`"));
  }
}

TEST_CASE("a re-attach answered for another session is an authentication failure, never adopted",
          "[security][hostile]") {
  HostileServer server;
  std::atomic<int> exchanges{0};
  std::atomic<int> foreign_heartbeats{0};
  server.on("/v1/runtime-tokens/request", [&](const httplib::Request& req, httplib::Response& res) {
    // The first exchange is honest; the re-attach answers another session.
    res.set_content(grant_for(++exchanges == 1 ? requested_session(req) : "other-session").dump(), "application/json");
  });
  server.on("/v1/runtime-tokens/heartbeat", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.body.find("other-session") != std::string::npos) ++foreign_heartbeats;
    res.status = 401;
    res.set_content(R"({"error":{"code":"TOKEN_EXPIRED","message":"expired","httpStatus":401},"status":"error"})",
                    "application/json");
  });
  ClientOptions o = hostile_options(server);
  o.min_heartbeat_interval = 100ms;
  LogCapture logs;
  o.log = logs.callback();
  Client client(o);
  auto s = client.start_session(SessionOptions{});
  const std::string id = s->id();
  // The grant's interval is 1 s: the first heartbeat is refused, the re-attach names another session.
  REQUIRE(wait_until([&] { return s->state() == SessionState::paused_billing; }, 10s));
  CHECK(s->id() == id);
  CHECK(foreign_heartbeats.load() == 0);
  CHECK(logs.contains("`other-session`, not `" + id + "`"));
}

TEST_CASE("a heartbeat renewing the token with another session's is not adopted", "[security][hostile]") {
  HostileServer server;
  std::mutex mutex;
  std::vector<std::string> bearers;
  const std::string foreign = jwt({{"sub", "acct_1"}, {"sid", "other-session"}, {"exp", now_s() + 3600}});
  server.on("/v1/runtime-tokens/request", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(grant_for(requested_session(req)).dump(), "application/json");
  });
  server.on("/v1/runtime-tokens/heartbeat", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      bearers.push_back(req.get_header_value("Authorization"));
    }
    json a = ack();
    a["data"]["token"] = foreign;  // lives longer than the one held: adopted, were it not another session's
    a["data"]["expires_at"] = now_s() + 3600;
    res.set_content(a.dump(), "application/json");
  });
  server.on("/v1/runtime-tokens/release",
            [](const httplib::Request&, httplib::Response& res) { res.set_content(ack().dump(), "application/json"); });
  LogCapture logs;
  ClientOptions o = hostile_options(server);
  o.log = logs.callback();
  o.min_heartbeat_interval = 100ms;
  Client client(o);
  SessionOptions so;
  so.session_id = "renew-1";
  auto s = client.start_session(so);
  REQUIRE(wait_until([&] { return s->stats().heartbeats_ok >= 3; }, 10s));
  std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(bearers.size() >= 3);
  for (const auto& b : bearers) CHECK(b == "Bearer hostile-token-1");
  CHECK(logs.contains("`other-session`, not `renew-1`"));
  CHECK(logs.contains("not adopted"));
}

TEST_CASE("control characters from a server never reach a message, a log line or an exception raw",
          "[security][hostile]") {
  HostileServer server;
  const std::string evil = "line1\nline2\x1b[31mRED\x1b[0m\r\xc2\x9b" "2J";
  json error = {{"error", {{"code", "BAD\nCODE"}, {"message", evil}, {"httpStatus", 418}}}, {"status", "error"}};
  SECTION("an error answer at start") {
    server.on("/v1/runtime-tokens/request", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 418;
      res.set_content(error.dump(), "application/json");
    });
    Client client(hostile_options(server));
    try {
      client.start_session();
      FAIL("started");
    } catch (const Error& e) {
      const std::string w = e.what();
      CHECK_FALSE(has_control_chars(w));
      CHECK(w.find("line1\\nline2\\x1b[31mRED") != std::string::npos);
      CHECK(w.find("\xc2\x9b") == std::string::npos);
      CHECK_FALSE(has_control_chars(e.code()));
    }
  }
  SECTION("heartbeat errors in the log, and the credit summary's strings") {
    server.on("/v1/runtime-tokens/request", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(grant_for(requested_session(req), 0.1, 30).dump(), "application/json");
    });
    std::atomic<int> refused{0};
    server.on("/v1/runtime-tokens/heartbeat", [&](const httplib::Request&, httplib::Response& res) {
      ++refused;
      res.status = 503;
      res.set_content(error.dump(), "application/json");
    });
    server.on("/v2/credit-summaries", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"data", {{"balance", 5}, {"plan", evil}, {"renews_at", evil}}}}.dump(), "application/json");
    });
    LogCapture logs;
    ClientOptions o = hostile_options(server);
    o.log = logs.callback();
    o.log_level = LogLevel::debug;
    o.min_heartbeat_interval = 100ms;
    Client client(o);
    auto s = client.start_session();
    REQUIRE(wait_until([&] { return refused.load() >= 2; }, 10s));
    const CreditSummary summary = client.credit_summary();
    CHECK_FALSE(has_control_chars(summary.plan));
    CHECK_FALSE(has_control_chars(summary.renews_at));
    s->stop();
    const auto lines = logs.lines();
    REQUIRE_FALSE(lines.empty());
    for (const auto& line : lines) CHECK_FALSE(has_control_chars(line));
  }
}

TEST_CASE("a token provider's exception text cannot forge log lines", "[security][hostile]") {
  HostileServer server;
  ClientOptions o = hostile_options(server);
  o.api_secret.clear();
  o.token_provider = [](const std::string&) -> std::string { throw std::runtime_error("no\nERROR: forged line"); };
  Client client(o);
  try {
    client.start_session();
    FAIL("started");
  } catch (const AuthenticationError& e) {
    CHECK_FALSE(has_control_chars(e.what()));
  }
}

TEST_CASE("a token provider's unusable answer is said to be the provider's, not a server's", "[security][hostile]") {
  HostileServer server;
  ClientOptions o = hostile_options(server);
  o.api_secret.clear();
  std::string answer;
  o.token_provider = [&answer](const std::string&) { return answer; };
  Client client(o);
  for (const std::string& bad : {std::string(), std::string("<html>login</html>"), std::string("{}")}) {
    answer = bad;
    try {
      client.start_session();
      FAIL("started");
    } catch (const AuthenticationError& e) {
      const std::string w = e.what();
      CHECK(w.find("token provider") != std::string::npos);
      CHECK(w.find(server.base_url()) == std::string::npos);  // never contacted: not blamed
    }
  }
}

TEST_CASE("a token over 8 KiB is refused, one already expired is started with a warning", "[security][hostile]") {
  HostileServer server;
  std::string token;
  server.on("/v1/runtime-tokens/request", [&](const httplib::Request& req, httplib::Response& res) {
    json g = grant_for(requested_session(req));
    g["data"]["token"] = token;
    res.set_content(g.dump(), "application/json");
  });
  LogCapture logs;
  ClientOptions o = hostile_options(server);
  o.log = logs.callback();
  Client client(o);
  token = jwt({{"sub", "acct_1"}, {"exp", now_s() + 300}, {"pad", std::string(9000, 'p')}});
  CHECK_THROWS_WITH(client.start_session(), Catch::Contains("more than 8 KiB"));

  SessionOptions so;
  so.session_id = "expired-1";
  token = jwt({{"sub", "acct_1"}, {"sid", "expired-1"}, {"exp", now_s() - 600}});
  auto s = client.start_session(so);
  CHECK(logs.contains("token expired"));
}

TEST_CASE("a redirect is reported as one, with where it points", "[security][hostile]") {
  HostileServer server;
  server.on("/v1/runtime-tokens/request", [](const httplib::Request&, httplib::Response& res) {
    res.status = 301;
    res.set_header("Location", "https://api.example.com/v1/runtime-tokens/request");
  });
  Client client(hostile_options(server));
  try {
    client.start_session();
    FAIL("started");
  } catch (const Error& e) {
    const std::string w = e.what();
    CHECK(w.find("redirect (HTTP 301)") != std::string::npos);
    CHECK(w.find("https://api.example.com/v1/runtime-tokens/request") != std::string::npos);
    CHECK(e.http_status() == 301);
  }
}

TEST_CASE("a refusal's Retry-After is on the error, and an unreadable 200 keeps its status", "[security][hostile]") {
  HostileServer server;
  Client client(hostile_options(server));
  SECTION("429 with Retry-After") {
    server.on("/v1/runtime-tokens/request", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", "12");
      res.set_content(R"({"error":{"code":"RATE_LIMITED","message":"slow down","httpStatus":429}})", "application/json");
    });
    try {
      client.start_session();
      FAIL("started");
    } catch (const NetworkError& e) {
      CHECK(e.retry_after() == 12s);
      CHECK(e.http_status() == 429);
      CHECK(std::string(e.what()).find("retry in 12 s") != std::string::npos);
    }
  }
  SECTION("an unreadable 200") {
    server.on("/v1/runtime-tokens/request", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html>captive portal</html>", "text/html");
    });
    try {
      client.start_session();
      FAIL("started");
    } catch (const NetworkError& e) {
      CHECK(e.http_status() == 200);
      CHECK(e.retry_after() == 0ms);
    }
  }
}

TEST_CASE("response headers beyond 64 KiB end the request with a clear error", "[security][hostile]") {
  HostileServer server;
  server.on("/v1/runtime-tokens/request", [](const httplib::Request& req, httplib::Response& res) {
    for (int i = 0; i < 20; ++i) res.set_header("X-Junk-" + std::to_string(i), std::string(10000, 'h'));
    res.set_content(grant_for(requested_session(req)).dump(), "application/json");
  });
  Client client(hostile_options(server));
  CHECK_THROWS_WITH(client.start_session(), Catch::Contains("headers larger than 64 KiB"));
}
