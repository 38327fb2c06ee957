#include "reply.hpp"

namespace creditmeter::emulator {

Reply success_reply(const nlohmann::json& data, int status) {
  Reply reply;
  reply.status = status;
  reply.body = nlohmann::json{{"data", data}, {"status", "success"}, {"status_code", status}}.dump();
  return reply;
}

Reply error_reply(int status, const std::string& code, const std::string& message,
                  const nlohmann::json& extra) {
  nlohmann::json error = {{"code", code}, {"message", message}, {"httpStatus", status}};
  if (extra.is_object()) error.update(extra);
  Reply reply;
  reply.status = status;
  reply.body = nlohmann::json{{"error", error}, {"status", "error"}, {"status_code", status}}.dump();
  return reply;
}

}  // namespace creditmeter::emulator
