// The one validation of options (src/client_options.cpp): the environment's fallbacks, the
// secret's checks (never echoed), durations and caps, and a session's names and id.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "client_options.hpp"
#include "creditmeter/errors.hpp"

using namespace creditmeter;
using detail::check_session_options;
using detail::resolve_client_options;

namespace {

constexpr const char* kSecret = "sk_test_options_secret_7";

ClientOptions valid() {
  ClientOptions o;
  o.base_url = "https://billing.example/";
  o.api_secret = kSecret;
  return o;
}

// The message of the InvalidArgument `check` throws, or "" when it accepts.
template <typename Check>
std::string refusal_of(Check&& check) {
  try {
    check();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}
std::string refusal(const ClientOptions& o) { return refusal_of([&] { resolve_client_options(o); }); }
std::string refusal(const SessionOptions& o) { return refusal_of([&] { check_session_options(o); }); }

// Sets an environment variable for one scope, restoring what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      had_ = true;
      old_ = old;
    }
    if (value != nullptr) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_) ::setenv(name_, old_.c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

}  // namespace

TEST_CASE("options: base_url and api_secret come from the environment when unset", "[unit][options]") {
  const ScopedEnv url("CREDITMETER_BASE_URL", "https://env.example/");
  const ScopedEnv secret("CREDITMETER_API_SECRET", "sk_from_env_1234");
  const ClientOptions resolved = resolve_client_options(ClientOptions{});
  CHECK(resolved.base_url == "https://env.example");  // normalised by the endpoint check
  CHECK(resolved.api_secret == "sk_from_env_1234");

  const ClientOptions given = resolve_client_options(valid());  // what the app gives wins
  CHECK(given.base_url == "https://billing.example");
  CHECK(given.api_secret == kSecret);
}

TEST_CASE("options: a secret is required, unless a token provider stands in for it", "[unit][options]") {
  const ScopedEnv secret("CREDITMETER_API_SECRET", nullptr);
  ClientOptions o = valid();
  o.api_secret.clear();
  CHECK(refusal(o).find("CREDITMETER_API_SECRET") != std::string::npos);
  o.token_provider = [](const std::string&) { return std::string(); };
  CHECK(refusal(o).empty());
}

TEST_CASE("options: a secret with control characters is refused without echoing it", "[unit][options]") {
  ClientOptions o = valid();
  o.api_secret = std::string(kSecret) + "\r\nX-Evil: 1";
  const std::string msg = refusal(o);
  CHECK(msg.find("control characters") != std::string::npos);
  CHECK(msg.find(kSecret) == std::string::npos);
}

TEST_CASE("options: durations, caps and TLS strings are checked, naming the field", "[unit][options]") {
  using std::chrono::milliseconds;
  ClientOptions o = valid();
  o.shutdown_timeout = milliseconds(0);  // zero: do not wait at shutdown
  CHECK(refusal(o).empty());
  o.shutdown_timeout = milliseconds(-1);
  CHECK(refusal(o).find("ClientOptions::shutdown_timeout must not be negative") != std::string::npos);

  o = valid();
  o.connect_timeout = milliseconds(0);
  CHECK(refusal(o).find("ClientOptions::connect_timeout must be positive") != std::string::npos);
  o = valid();
  o.request_timeout = milliseconds(-5);
  CHECK(refusal(o).find("ClientOptions::request_timeout must be positive") != std::string::npos);
  o = valid();
  o.idle_after = milliseconds(0);
  CHECK(refusal(o).find("ClientOptions::idle_after must be positive") != std::string::npos);

  o = valid();
  o.max_credits = -1.0;
  CHECK(refusal(o).find("ClientOptions::max_credits must be a number >= 0") != std::string::npos);
  o.max_credits = std::nan("");
  CHECK_FALSE(refusal(o).empty());
  o.max_credits = 0.0;
  CHECK(refusal(o).empty());

  o = valid();
  o.proxy = "http://proxy.example\n";
  CHECK(refusal(o).find("must not contain control characters") != std::string::npos);
}

TEST_CASE("options: a session's model, surface, id and thresholds", "[unit][options]") {
  SessionOptions o;
  const std::string id = check_session_options(o);  // no id given: a random UUID
  CHECK(id.size() == 36);
  CHECK(check_session_options(o) != id);
  o.session_id = "my-session.1:a";
  CHECK(check_session_options(o) == "my-session.1:a");

  o.session_id = "spaces are not allowed";
  CHECK(refusal(o).find("SessionOptions::session_id") != std::string::npos);
  o.session_id = std::string(129, 'a');
  CHECK_FALSE(refusal(o).empty());

  o = SessionOptions{};
  o.model = "essence\"}";
  CHECK(refusal(o).find("SessionOptions::model must be 1-64 characters") != std::string::npos);
  o.model = "";
  CHECK_FALSE(refusal(o).empty());
  o = SessionOptions{};
  o.surface = std::string(65, 'x');
  CHECK(refusal(o).find("SessionOptions::surface") != std::string::npos);

  o = SessionOptions{};
  o.max_credits = -0.5;
  CHECK(refusal(o).find("SessionOptions::max_credits") != std::string::npos);
  o = SessionOptions{};
  o.low_balance_minutes = -1;
  CHECK(refusal(o).find("low_balance_minutes") != std::string::npos);
  o.low_balance_minutes = 5;
  o.low_balance_credits = std::numeric_limits<double>::infinity();
  CHECK(refusal(o).find("low_balance_credits") != std::string::npos);
}
