// StopSource / StopToken and the SDK's StopCallback (src/stop_token.cpp, src/stop_state.hpp).

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "stop_state.hpp"

using namespace creditmeter;
using creditmeter::detail::StopCallback;

TEST_CASE("StopSource: one request, shared by copies, a default token never stops", "[stop_token]") {
  StopSource source;
  const StopToken token = source.get_token();
  CHECK(token.stop_possible());
  CHECK_FALSE(token.stop_requested());
  CHECK(source.request_stop());
  CHECK_FALSE(source.request_stop());  // only the first request counts
  CHECK(token.stop_requested());
  CHECK(StopSource(source).stop_requested());
  CHECK_FALSE(StopToken{}.stop_possible());
  CHECK_FALSE(StopToken{}.stop_requested());
}

TEST_CASE("StopCallback runs once on the request, at once when already requested, never after it is gone",
          "[stop_token]") {
  StopSource source;
  int runs = 0;
  {
    StopCallback cb(source.get_token(), [&] { ++runs; });
    CHECK(runs == 0);
    source.request_stop();
    CHECK(runs == 1);
    source.request_stop();
    CHECK(runs == 1);
  }
  StopCallback late(source.get_token(), [&] { ++runs; });
  CHECK(runs == 2);  // registered after the request: run in the constructor

  StopSource other;
  { StopCallback gone(other.get_token(), [&] { ++runs; }); }
  other.request_stop();
  CHECK(runs == 2);
  StopCallback never(StopToken{}, [&] { ++runs; });
  CHECK(runs == 2);
}

TEST_CASE("StopCallback: its destructor waits for its callback running on the requesting thread", "[stop_token]") {
  StopSource source;
  std::atomic<bool> entered{false}, release{false}, finished{false};
  auto cb = std::make_unique<StopCallback>(source.get_token(), [&] {
    entered = true;
    while (!release) std::this_thread::yield();
    finished = true;
  });
  std::thread requester([&] { source.request_stop(); });
  while (!entered) std::this_thread::yield();
  std::thread destroyer([&] {
    cb.reset();
    CHECK(finished);  // the destructor returned only after the callback did
  });
  release = true;
  destroyer.join();
  requester.join();
}
