// The app's own HTTP stack through the C++ API (ClientOptions::transport) against a real
// emulator: an app transport that carries each request on a thread of its own, as OkHttp or
// URLSession would. Every request goes through it; Retry-After reaches the SDK from the
// headers the app passes back; a second completion, or one after the Client is gone, is
// ignored; a throwing send is an offline answer. The C ABI's hook has its own suite
// (tests/c/transport_test.c).

#include <catch2/catch.hpp>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

class ThreadedTransport final : public HttpTransport {
 public:
  ~ThreadedTransport() override { join(); }

  void send(const HttpRequest& request, std::shared_ptr<TransportCall> call) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++sends_;
    const auto path_start = request.url.find('/', request.url.find("://") + 3);
    paths_.insert(request.url.substr(path_start, request.url.find('?', path_start) - path_start));
    if (throw_next_) {
      throw_next_ = false;
      throw std::runtime_error("the app's stack is broken");
    }
    HttpHeaders headers;
    for (const auto& h : request.headers) {
      const auto colon = h.find(':');
      headers.emplace_back(h.substr(0, colon), h.substr(h.find_first_not_of(' ', colon + 1)));
    }
    threads_.emplace_back([this, request, headers, call] {
      const testing::HttpResponse r = http_request(request.method, request.url, headers, request.body, request.timeout);
      if (!r.error.empty()) {
        call->fail(r.error);
        return;
      }
      std::vector<std::string> answer_headers;
      for (const auto& [name, value] : r.headers) {
        answer_headers.push_back(name + ": " + value);
        if (name == "retry-after") ++retry_afters_;
      }
      call->complete(r.status, answer_headers, r.body);
      call->complete(200, {}, "{}");  // a careless app: the second completion is ignored
    });
  }

  void join() {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  std::set<std::string> paths() {
    std::lock_guard<std::mutex> lock(mutex_);
    return paths_;
  }
  int sends() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sends_;
  }
  void throw_next() {
    std::lock_guard<std::mutex> lock(mutex_);
    throw_next_ = true;
  }
  std::atomic<int> retry_afters_{0};

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::set<std::string> paths_;
  int sends_ = 0;
  bool throw_next_ = false;
};

struct Fixture {
  EmulatorProcess emu;
  std::string secret = unique_secret("app_transport");
  std::shared_ptr<ThreadedTransport> transport = std::make_shared<ThreadedTransport>();
  Fixture() {
    emu.configure({{"heartbeat_interval_s", 0.5}, {"offline_grace_s", 30}});
    emu.create_account(secret, "pro", 500, 60);
  }
  ClientOptions options() const {
    ClientOptions o = client_options(emu, secret);
    o.transport = transport;
    return o;
  }
};

}  // namespace

TEST_CASE("the app's transport carries every request, billed exactly", "[integration][app_transport][smoke]") {
  Fixture f;
  {
    Client client(f.options());
    auto session = client.start_session();
    Renderer renderer(*session);
    REQUIRE(wait_until([&] { return session->stats().heartbeats_ok >= 2; }, 10s));
    // A 429 with Retry-After: the header the app hands back is what the SDK honours.
    f.emu.fault({{"mode", "status"}, {"status", 429}, {"retry_after", 1}, {"count", 1}});
    REQUIRE(wait_until([&] { return session->stats().heartbeats_failed >= 1; }, 10s));
    REQUIRE(wait_until([&] { return session->stats().heartbeats_ok >= 4; }, 10s));
    renderer.stop();
    session->stop();
    REQUIRE(client.flush(10s));
    const SessionStats stats = session->stats();
    CHECK(stats.active_ms == stats.reported_ms);
    CHECK(f.emu.ledger_session(session->id())["active_ms"].get<std::int64_t>() == stats.active_ms);
    CHECK(f.transport->retry_afters_ >= 1);
    CHECK(client.credit_summary().plan == "pro");
  }
  const auto paths = f.transport->paths();
  CHECK(paths.count("/v1/runtime-tokens/request") == 1);
  CHECK(paths.count("/v2/credit-summaries") == 1);
  CHECK(paths.size() >= 4);  // and the heartbeats and the release
  f.transport->join();        // completions after the Client is gone: ignored
}

TEST_CASE("a send that throws is an offline answer, retried", "[integration][app_transport]") {
  Fixture f;
  Client client(f.options());
  f.transport->throw_next();
  CHECK_THROWS_AS(client.start_session(), NetworkError);
  auto session = client.start_session();  // the next call goes through
  session->stop();
  CHECK(client.flush(10s));
}

TEST_CASE("the app's transport excludes the SDK's TLS and proxy options", "[integration][app_transport]") {
  Fixture f;
  ClientOptions o = f.options();
  o.proxy = "http://proxy.example:3128";
  CHECK_THROWS_AS(Client(o), InvalidArgument);
  o.proxy.clear();
  o.ca_file = "/etc/ssl/certs/ca-certificates.crt";
  CHECK_THROWS_AS(Client(o), InvalidArgument);
}
