#include "jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

namespace creditmeter::emulator {
namespace {

const std::string& encoded_header() {
  static const std::string kHeader = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  return kHeader;
}

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len);
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

std::optional<TokenClaims> claims_from_payload(const std::string& encoded_payload) {
  const auto payload = base64url_decode(encoded_payload);
  if (!payload) return std::nullopt;
  const auto json = nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  const auto sub = json.find("sub"), sid = json.find("sid"), exp = json.find("exp"), iat = json.find("iat");
  if (sub == json.end() || !sub->is_string() || sid == json.end() || !sid->is_string() ||
      exp == json.end() || !exp->is_number_integer()) {
    return std::nullopt;
  }
  TokenClaims claims;
  claims.account_id = sub->get<std::string>();
  claims.session_id = sid->get<std::string>();
  claims.expires = exp->get<std::int64_t>();
  claims.issued_at = iat != json.end() && iat->is_number_integer() ? iat->get<std::int64_t>() : 0;
  return claims;
}

}  // namespace

std::string base64url_encode(const std::string& bytes) {
  // EVP_EncodeBlock does standard base64; JWTs need the URL alphabet without padding.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> base64url_decode(const std::string& text) {
  std::string standard = text;
  for (auto& c : standard) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=') return std::nullopt;
  }
  if (standard.size() % 4 == 1) return std::nullopt;
  const std::size_t padding = (4 - standard.size() % 4) % 4;
  standard.append(padding, '=');
  std::string out(standard.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(standard.data()),
                                static_cast<int>(standard.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes that padding stands for; drop them.
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string JwtSigner::sign(const TokenClaims& claims) const {
  const nlohmann::json payload = {{"sub", claims.account_id},
                                  {"sid", claims.session_id},
                                  {"iat", claims.issued_at},
                                  {"exp", claims.expires}};
  std::string signing_input = encoded_header() + "." + base64url_encode(payload.dump());
  const std::string signature = base64url_encode(hmac_sha256(key_, signing_input));
  return signing_input + "." + signature;
}

std::optional<TokenClaims> JwtSigner::verify(const std::string& token) const {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? std::string::npos : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) return std::nullopt;
  // Only our own header is accepted: this pins the algorithm (no "alg":"none" games).
  if (token.compare(0, first, encoded_header()) != 0) return std::nullopt;
  const std::string expected = base64url_encode(hmac_sha256(key_, token.substr(0, second)));
  const std::string given = token.substr(second + 1);
  if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), given.size()) != 0) {
    return std::nullopt;
  }
  return claims_from_payload(token.substr(first + 1, second - first - 1));
}

std::optional<TokenClaims> peek_claims(const std::string& token) {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? std::string::npos : token.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  return claims_from_payload(token.substr(first + 1, second - first - 1));
}

}  // namespace creditmeter::emulator
