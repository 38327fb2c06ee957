// Raw HTTP for tests, over cpp-httplib's client (it ignores proxy variables, and can skip
// certificate verification for the emulator's self-signed test certificates).
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "emulator_process.hpp"

namespace creditmeter::testing {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

nlohmann::json HttpResponse::json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string HttpResponse::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

std::string HttpResponse::error_code() const {
  const auto parsed = json();
  if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object()) return "";
  return parsed["error"].value("code", "");
}

HttpResponse http_request(const std::string& method, const std::string& url, const HttpHeaders& headers,
                          const std::string& body, std::chrono::milliseconds timeout) {
  HttpResponse out;
  const auto scheme_end = url.find("://");
  const auto path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  const std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
  const std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);

  httplib::Client client(origin);
  client.enable_server_certificate_verification(false);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);

  httplib::Request request;
  request.method = method;
  request.path = target;
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    request.headers.emplace(name, value);
    has_content_type = has_content_type || lower(name) == "content-type";
  }
  if (!body.empty() && !has_content_type) request.headers.emplace("Content-Type", "application/json");
  request.body = body;

  const auto result = client.send(request);
  if (!result) {
    out.error = httplib::to_string(result.error());
    return out;
  }
  out.status = result->status;
  out.body = result->body;
  for (const auto& [name, value] : result->headers) out.headers[lower(name)] = value;
  return out;
}

std::string url_encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);  // wait_until polls its condition under a deadline
  }
}

}  // namespace creditmeter::testing
