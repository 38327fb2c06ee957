// The libcurl transport under the scheduler, against real servers on loopback.
// - A scripted server: when an answer is already complete on the socket as poll() starts, its completion
// runs in that poll() at once, never after poll()'s wait (up to 1 s). That delay once cost
// every flush() and heartbeat acknowledgement up to a second whenever an answer's body
// arrived in a second TCP segment (cpp-httplib writes headers and body separately).
// - The emulator's hang fault: a burst of requests holds at most max_transfers connections;
//   the rest wait in the transport's queue, and abort_all() ends both kinds.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "curl_transport.hpp"
#include "../support/emulator_process.hpp"

using namespace creditmeter::detail;
using creditmeter::testing::EmulatorProcess;
using namespace std::chrono_literals;

namespace {

// Accepts one connection, reads one request, and sends the scripted answer only when the
// test says so: the test decides exactly when the answer is on the wire.
class ScriptedServer {
 public:
  ScriptedServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd_, 1) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/runtime-tokens/heartbeat"; }
  bool request_received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  // Sends the answer (headers and body as two writes) and returns once both are written.
  void answer_now() {
    std::unique_lock<std::mutex> lock(mutex_);
    answer_ = true;
    cv_.notify_all();
    REQUIRE(cv_.wait_for(lock, 10s, [this] { return answered_; }));
  }

 private:
  void serve() {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    std::unique_lock<std::mutex> lock(mutex_);
    received_ = true;
    cv_.wait_for(lock, 30s, [this] { return answer_ || quit_; });
    if (answer_) {
      const std::string body = "{\"data\":{\"ok\":true}}";
      const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n";
      (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
      (void)::send(fd, body.data(), body.size(), MSG_NOSIGNAL);
      answered_ = true;
      cv_.notify_all();
      cv_.wait_for(lock, 30s, [this] { return quit_; });  // keep the connection open
    }
    ::close(fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool received_ = false;
  bool answer_ = false;
  bool answered_ = false;
  bool quit_ = false;
};

}  // namespace

TEST_CASE("CurlTransport: an answer already on the socket completes in poll() without waiting", "[transport][smoke]") {
  ScriptedServer server;
  CurlTransport transport(CurlConfig{});
  std::atomic<int> status{-1};
  HttpRequest request;
  request.url = server.url();
  request.body = "{}";
  transport.submit(request, [&](HttpResponse r) { status = r.status; });

  // Drive the transfer (poll(0) never waits) until the server has the whole request.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!server.request_received() && std::chrono::steady_clock::now() < deadline) transport.poll(1ms, -1);
  REQUIRE(server.request_received());
  REQUIRE(status == -1);

  server.answer_now();  // the whole answer is now in the client socket's receive queue
  const auto t0 = std::chrono::steady_clock::now();
  transport.poll(1000ms, -1);
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(status == 200);
  CHECK(transport.in_flight() == 0);
  // The faulty order ran the completion only after the whole 1000 ms wait; a correct poll()
  // returns as soon as the completion ran. Half the wait leaves a wide margin for a loaded or
  // sanitized machine on either side.
  CHECK(took < 500ms);
}

namespace {

// Client sockets connected to `port` (ESTABLISHED), from the kernel's table.
int connections_to(int port) {
  int count = 0;
  for (const char* path : {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
    FILE* f = std::fopen(path, "r");
    if (f == nullptr) continue;
    char line[512];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      char local[128], remote[128];
      unsigned state = 0;
      if (std::sscanf(line, " %*s %127s %127s %x", local, remote, &state) != 3) continue;
      const char* colon = std::strrchr(remote, ':');
      if (colon != nullptr && std::strtol(colon + 1, nullptr, 16) == port && state == 1) ++count;
    }
    std::fclose(f);
  }
  return count;
}

struct Burst {
  EmulatorProcess emulator;
  CurlTransport transport;
  int completed = 0, answered = 0, aborted = 0;
  int max_connections = 0;

  explicit Burst(std::size_t max_transfers) : transport(config(max_transfers)) {
    emulator.fault({{"mode", "hang"}});
    for (int i = 0; i < 10; ++i) {
      HttpRequest request;
      request.url = emulator.base_url() + "/v1/runtime-tokens/heartbeat";
      request.body = "{}";
      transport.submit(request, [this](HttpResponse r) {
        ++completed;
        if (r.status != 0) ++answered;
        if (r.aborted) ++aborted;
      });
    }
  }
  static CurlConfig config(std::size_t max_transfers) {
    CurlConfig c;
    c.max_transfers = max_transfers;
    return c;
  }
  // Drives the transport until `done` or 10 s; records the most connections seen.
  template <typename Done>
  bool drive(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      transport.poll(5ms, -1);
      max_connections = std::max(max_connections, connections_to(emulator.port()));
      if (done()) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("CurlTransport: a burst uses at most max_transfers connections, the rest wait their turn", "[transport][smoke]") {
  Burst burst(3);
  REQUIRE(burst.drive([&] { return connections_to(burst.emulator.port()) == 3; }));
  CHECK(burst.transport.in_flight() == 10);
  CHECK(burst.completed == 0);

  burst.emulator.clear_faults();  // the three hung requests end (no answer); the queue drains
  REQUIRE(burst.drive([&] { return burst.completed == 10; }));
  CHECK(burst.transport.in_flight() == 0);
  CHECK(burst.answered >= 7);  // every request that waited its turn got a real answer
  CHECK(burst.max_connections <= 3);
}

TEST_CASE("CurlTransport: abort_all ends the transfers on the wire and those waiting their turn", "[transport]") {
  Burst burst(3);
  REQUIRE(burst.drive([&] { return connections_to(burst.emulator.port()) == 3; }));
  burst.transport.abort_all();
  CHECK(burst.completed == 10);
  CHECK(burst.aborted == 10);
  CHECK(burst.transport.in_flight() == 0);
}
