#include "core/jwt.hpp"

#include <cmath>

#include <openssl/evp.h>

#include "core/json_reader.hpp"
#include "core/protocol.hpp"

namespace creditmeter {
namespace core {

namespace {

// base64url (RFC 4648 §5, unpadded) to bytes via OpenSSL's decoder: JWTs use the URL
// alphabet without padding, which EVP_DecodeBlock does not accept, hence the translation.
std::optional<std::string> base64url_decode(const std::string& in) {
  std::string b64 = in;
  for (char& c : b64) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return std::nullopt;
  }
  if (b64.size() % 4 == 1) return std::nullopt;
  const std::size_t padding = (4 - b64.size() % 4) % 4;
  b64.append(padding, '=');
  std::string out(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

// The claims (the payload's JSON object), or nullopt for anything that is not a JWT.
std::optional<JsonDoc> claims(const std::string& token) {
  if (token.size() > kMaxTokenBytes) return std::nullopt;  // refused by the protocol reader anyway
  const auto dot1 = token.find('.');
  if (dot1 == std::string::npos) return std::nullopt;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string::npos) return std::nullopt;
  auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return std::nullopt;
  JsonDoc doc;
  if (doc.parse(*payload, kMaxJsonDepth) != JsonDoc::Status::ok || doc.root().kind != JsonDoc::Kind::object) {
    return std::nullopt;
  }
  return doc;
}

}  // namespace

std::optional<std::int64_t> jwt_expiry(const std::string& token) {
  auto doc = claims(token);
  if (!doc) return std::nullopt;
  const int it = doc->member(0, "exp");
  if (it < 0 || doc->at(it).kind != JsonDoc::Kind::number) return std::nullopt;
  const double exp = doc->at(it).number;
  if (!std::isfinite(exp) || exp < 0 || exp > 1e13) return std::nullopt;
  return static_cast<std::int64_t>(exp);
}

namespace {
std::optional<std::string> string_claim(const std::string& token, const char* name) {
  auto doc = claims(token);
  if (!doc) return std::nullopt;
  const int it = doc->member(0, name);
  if (it < 0 || doc->at(it).kind != JsonDoc::Kind::string) return std::nullopt;
  return doc->at(it).text;
}
}  // namespace

std::optional<std::string> jwt_subject(const std::string& token) { return string_claim(token, "sub"); }

std::optional<std::string> jwt_session_id(const std::string& token) { return string_claim(token, "sid"); }

}  // namespace core
}  // namespace creditmeter
