// What every handler of the model answers: an HTTP status and the JSON envelope of the
// protocol, already serialized (an idempotent replay must return the stored bytes).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace creditmeter::emulator {

struct Reply {
  int status = 200;
  std::string body;  // the envelope, serialized
  // True when the call changed the model's state: the shell must make it durable before
  // the answer leaves (an acknowledged request is never lost by a restart).
  bool mutated = false;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Retry-After)
};

// {"data":{...},"status":"success","status_code":N}
Reply success_reply(const nlohmann::json& data, int status = 200);

// {"error":{"code":..,"message":..,"httpStatus":N, ...extra},"status":"error","status_code":N}
// `extra` (an object) adds fields to the error object, e.g. the plan's `limit`.
Reply error_reply(int status, const std::string& code, const std::string& message,
                  const nlohmann::json& extra = nlohmann::json::object());

}  // namespace creditmeter::emulator
