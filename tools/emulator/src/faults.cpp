#include "faults.hpp"

#include "fields.hpp"

namespace creditmeter::emulator {
namespace {

struct ModeName {
  FaultMode mode;
  const char* name;
};
constexpr ModeName kModes[] = {{FaultMode::kRefuse, "refuse"},
                               {FaultMode::kHang, "hang"},
                               {FaultMode::kStatus, "status"},
                               {FaultMode::kResetMidBody, "reset_mid_body"},
                               {FaultMode::kSlow, "slow"}};

std::string default_code(int status) {
  switch (status) {
    case 429: return "RATE_LIMITED";
    case 500: return "INTERNAL_ERROR";
    case 502: return "BAD_GATEWAY";
    case 503: return "SERVICE_UNAVAILABLE";
    case 504: return "GATEWAY_TIMEOUT";
    default: return "FAULT_INJECTED";
  }
}

bool safe_header_value(const std::string& value) {
  return !value.empty() && value.find_first_of("\r\n") == std::string::npos;
}

}  // namespace

const char* to_string(FaultMode mode) {
  for (const auto& entry : kModes) {
    if (entry.mode == mode) return entry.name;
  }
  return "unknown";
}

nlohmann::json FaultRule::to_json() const {
  nlohmann::json j = {{"id", id}, {"mode", to_string(mode)}, {"apply", apply}};
  if (mode == FaultMode::kStatus) {
    j["status"] = status;
    j["code"] = code;
    if (!retry_after.empty()) j["retry_after"] = retry_after;
  }
  if (mode == FaultMode::kHang || mode == FaultMode::kSlow) j["hang_ms"] = hang_ms;
  if (!session_id.empty()) j["session_id"] = session_id;
  if (!path.empty()) j["path"] = path;
  if (remaining >= 0) j["count"] = remaining;
  return j;
}

std::optional<FaultRule> parse_fault_rule(const nlohmann::json& body, Reply& error) {
  FieldReader fields(body);
  const auto mode_name = fields.text("mode", true, 32);
  const auto apply = fields.boolean("apply", false);
  const auto status = fields.integer("status", false, 400, 599);
  const auto code = fields.text("code", false, 64);
  const auto hang_ms = fields.integer("hang_ms", false, 0, 3'600'000);
  const auto session_id = fields.text("session_id", false, 128);
  const auto path = fields.text("path", false, 256);
  const auto count = fields.integer("count", false, 1, 1'000'000'000);
  std::optional<std::string> retry_after;
  const auto retry = body.find("retry_after");
  if (!fields.failed() && retry != body.end() && !retry->is_null()) {
    // Seconds (a number) or an HTTP-date (a string), sent as the Retry-After header.
    if (retry->is_number_integer() && retry->get<std::int64_t>() >= 0) {
      retry_after = std::to_string(retry->get<std::int64_t>());
    } else if (retry->is_string() && safe_header_value(retry->get<std::string>())) {
      retry_after = retry->get<std::string>();
    } else {
      error = error_reply(400, "INVALID_REQUEST", "field 'retry_after' must be whole seconds or an HTTP-date");
      return std::nullopt;
    }
  }
  if (fields.failed()) {
    error = fields.error();
    return std::nullopt;
  }
  FaultRule rule;
  bool known = false;
  for (const auto& entry : kModes) {
    if (*mode_name == entry.name) {
      rule.mode = entry.mode;
      known = true;
    }
  }
  if (!known) {
    error = error_reply(400, "INVALID_REQUEST", "mode must be one of refuse, hang, status, reset_mid_body, slow");
    return std::nullopt;
  }
  rule.apply = apply.value_or(false);
  rule.status = static_cast<int>(status.value_or(503));
  rule.code = code.value_or(default_code(rule.status));
  rule.retry_after = retry_after.value_or("");
  rule.hang_ms = hang_ms.value_or(rule.mode == FaultMode::kSlow ? kDefaultSlowMs : 0);
  rule.session_id = session_id.value_or("");
  rule.path = path.value_or("");
  rule.remaining = count.value_or(-1);
  return rule;
}

std::uint64_t FaultPlan::add(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mutex_);
  rule.id = next_id_++;
  rules_.push_back(std::move(rule));
  return rules_.back().id;
}

void FaultPlan::clear() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rules_.clear();
    ++generation_;
  }
  changed_.notify_all();
}

nlohmann::json FaultPlan::list() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& rule : rules_) rules.push_back(rule.to_json());
  return rules;
}

bool FaultPlan::empty() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rules_.empty();
}

std::optional<FaultRule> FaultPlan::take(const std::string& path, const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (!it->session_id.empty() && it->session_id != session_id) continue;
    if (!it->path.empty() && path.compare(0, it->path.size(), it->path) != 0) continue;
    FaultRule fired = *it;
    if (it->remaining > 0 && --it->remaining == 0) rules_.erase(it);
    return fired;
  }
  return std::nullopt;
}

std::uint64_t FaultPlan::generation() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return generation_;
}

bool FaultPlan::wait_while_generation(std::uint64_t generation,
                                      std::optional<std::chrono::steady_clock::time_point> deadline) const {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto woken = [&] { return generation_ != generation || shut_down_; };
  if (!deadline) {
    changed_.wait(lock, woken);
    return true;
  }
  return changed_.wait_until(lock, *deadline, woken);
}

void FaultPlan::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shut_down_ = true;
  }
  changed_.notify_all();
}

}  // namespace creditmeter::emulator
