#include "admin_client.hpp"

#include <stdexcept>

#include <curl/curl.h>

namespace demo {

namespace {
std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}
}  // namespace

nlohmann::json AdminClient::call(const std::string& method, const std::string& path, const nlohmann::json& body) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  std::string answer;
  const std::string url = base_url_ + path;
  const std::string payload = body.is_null() ? std::string() : body.dump();
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // the admin API is always on loopback
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!body.is_null()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) throw std::runtime_error("admin " + path + ": " + curl_easy_strerror(rc));
  if (status < 200 || status >= 300) {
    throw std::runtime_error("admin " + path + ": HTTP " + std::to_string(status) + " " + answer);
  }
  auto doc = nlohmann::json::parse(answer, nullptr, false);
  return doc.is_discarded() ? nlohmann::json() : doc;
}

}  // namespace demo
