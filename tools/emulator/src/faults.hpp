// Fault injection rules (POST/DELETE /admin/faults). This file holds the rules and their
// matching; what a fault *does* to a connection lives in the HTTP layer (http_faults.cpp).
//
// Several rules can be active at once: they form a list, checked in the order they were
// added, and the first that matches a request is used. A rule with `session_id` matches only
// requests of that session; one with `path` only paths starting with it; one with `count`
// fires that many times and then removes itself. DELETE /admin/faults clears them all.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reply.hpp"

namespace creditmeter::emulator {

enum class FaultMode { kRefuse, kHang, kStatus, kResetMidBody, kSlow };

struct FaultRule {
  std::uint64_t id = 0;
  FaultMode mode = FaultMode::kStatus;
  bool apply = false;        // process (and charge) the request before failing the answer
  int status = 503;          // mode status
  std::string code;          // mode status: the error code
  std::string retry_after;   // mode status: the Retry-After header value, if any
  std::int64_t hang_ms = 0;  // hang: 0 = until cleared; slow: the answer's total duration
  std::string session_id;    // only this session's requests
  std::string path;          // only paths starting with this
  std::int64_t remaining = -1;  // times left to fire; -1 = until cleared

  nlohmann::json to_json() const;
};

// Parses and validates a POST /admin/faults body. On failure returns nullopt and sets
// `error` to the 400 to answer.
std::optional<FaultRule> parse_fault_rule(const nlohmann::json& body, Reply& error);

// The slow mode's default duration of a whole answer, when hang_ms is not given.
inline constexpr std::int64_t kDefaultSlowMs = 2000;

class FaultPlan {
 public:
  // Adds a rule; returns its id.
  std::uint64_t add(FaultRule rule);
  void clear();
  nlohmann::json list() const;
  bool empty() const;

  // The first rule matching the request, consuming one of its `count`. `session_id` is the
  // request's session as far as it is known (empty for none).
  std::optional<FaultRule> take(const std::string& path, const std::string& session_id);

  // The generation changes whenever the rules are cleared. A hung or slow answer waits with
  // wait_while_generation() and ends early when the rules it came from are cleared.
  std::uint64_t generation() const;
  // Waits until the generation differs from `generation`, `deadline` passes or shutdown()
  // is called. Returns true when woken by a clear or shutdown, false on the deadline.
  bool wait_while_generation(std::uint64_t generation,
                             std::optional<std::chrono::steady_clock::time_point> deadline) const;
  // Ends every wait for good (server shutdown).
  void shutdown();

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<FaultRule> rules_;
  std::uint64_t next_id_ = 1;
  std::uint64_t generation_ = 0;
  bool shut_down_ = false;
};

const char* to_string(FaultMode mode);

}  // namespace creditmeter::emulator
