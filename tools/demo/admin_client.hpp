#pragma once
// The emulator's admin API (docs/EMULATOR.md), for the demo: accounts, config, faults.

#include <string>

#include <nlohmann/json.hpp>

namespace demo {

class AdminClient {
 public:
  explicit AdminClient(std::string base_url) : base_url_(std::move(base_url)) {}
  // Throws std::runtime_error on a transport error or a non-2xx answer.
  nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr) const;

 private:
  std::string base_url_;
};

}  // namespace demo
