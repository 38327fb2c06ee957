#include "http_faults.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "connection.hpp"
#include "http_server.hpp"

namespace creditmeter::emulator {
namespace {

using Clock = std::chrono::steady_clock;

ConnectionId connection_of(const httplib::Request& req) {
  return ConnectionId{req.remote_addr, req.remote_port, req.local_port};
}

// Ends the exchange without an answer: the connection is shut down under cpp-httplib's
// feet, its attempt to write the response fails and it closes the socket.
void answer_nothing(const httplib::Request& req, httplib::Response& res) {
  close_connection(connection_of(req));
  res.status = 500;
  res.set_header("Connection", "close");
}

// The slices of the slow mode: the body goes out in kSlowSlices pieces, one every
// hang_ms / kSlowSlices, so the whole answer takes hang_ms.
constexpr std::size_t kSlowSlices = 10;

void trickle(const FaultRule& rule, std::uint64_t generation, const Reply& reply, const FaultPlan& plan,
             httplib::Response& res) {
  send_reply(res, reply);
  auto body = std::make_shared<std::string>(res.body);
  res.body.clear();
  const auto pause = std::chrono::milliseconds(rule.hang_ms / static_cast<std::int64_t>(kSlowSlices));
  const std::size_t slice = std::max<std::size_t>(1, (body->size() + kSlowSlices - 1) / kSlowSlices);
  res.set_content_provider(
      body->size(), "application/json",
      [body, pause, slice, generation, &plan](std::size_t offset, std::size_t, httplib::DataSink& sink) {
        // Pause before every slice but the first; a clear of the rules ends the pauses.
        if (offset > 0 && plan.generation() == generation) {
          plan.wait_while_generation(generation, Clock::now() + pause);
        }
        const std::size_t n = std::min(slice, body->size() - offset);
        return sink.write(body->data() + offset, n);
      });
}

void cut_mid_body(const Reply* processed, const httplib::Request& req, httplib::Response& res) {
  // Without apply there is no real answer to cut: a plausible success body stands in.
  const Reply stand_in = success_reply({{"note", "this answer is cut by a reset_mid_body fault"},
                                        {"padding", std::string(64, '.')}});
  send_reply(res, processed ? *processed : stand_in);
  auto body = std::make_shared<std::string>(res.body);
  res.body.clear();
  const ConnectionId connection = connection_of(req);
  res.set_content_provider(body->size(), "application/json",
                           [body, connection](std::size_t, std::size_t, httplib::DataSink& sink) {
                             sink.write(body->data(), body->size() / 2);
                             arm_reset(connection);
                             return false;  // cpp-httplib gives up and closes: RST
                           });
}

}  // namespace

void perform_fault(const FaultRule& rule, std::uint64_t generation, const Reply* processed,
                   const FaultPlan& plan, const httplib::Request& req, httplib::Response& res) {
  switch (rule.mode) {
    case FaultMode::kRefuse:
      answer_nothing(req, res);
      return;
    case FaultMode::kHang: {
      std::optional<Clock::time_point> deadline;
      if (rule.hang_ms > 0) deadline = Clock::now() + std::chrono::milliseconds(rule.hang_ms);
      plan.wait_while_generation(generation, deadline);
      answer_nothing(req, res);
      return;
    }
    case FaultMode::kStatus: {
      Reply reply = error_reply(rule.status, rule.code, "injected fault");
      if (!rule.retry_after.empty()) reply.headers.emplace_back("Retry-After", rule.retry_after);
      send_reply(res, reply);
      return;
    }
    case FaultMode::kResetMidBody:
      cut_mid_body(processed, req, res);
      return;
    case FaultMode::kSlow:
      trickle(rule, generation, processed ? *processed : error_reply(500, "INTERNAL_ERROR", "nothing to send"), plan, res);
      return;
  }
}

}  // namespace creditmeter::emulator
