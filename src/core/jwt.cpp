#include "core/jwt.hpp"

#include <cmath>

#include <openssl/crypto.h>
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

// The claims the client reads, taken from one decoding.
struct Claims {
  std::optional<std::int64_t> exp;
  std::optional<std::string> sub;
  std::optional<std::string> sid;
};

Claims read_claims(const std::string& token) {
  Claims c;
  auto doc = claims(token);
  if (!doc) return c;
  const int e = doc->member(0, "exp");
  if (e >= 0 && doc->at(e).kind == JsonDoc::Kind::number) {
    const double exp = doc->at(e).number;
    if (std::isfinite(exp) && exp >= 0 && exp <= 1e13) c.exp = static_cast<std::int64_t>(exp);
  }
  const int s = doc->member(0, "sub");
  if (s >= 0 && doc->at(s).kind == JsonDoc::Kind::string) c.sub = doc->at(s).text;
  const int i = doc->member(0, "sid");
  if (i >= 0 && doc->at(i).kind == JsonDoc::Kind::string) c.sid = doc->at(i).text;
  return c;
}

// Every answer's token is read twice on the scheduler thread (the wire checks its `sid`,
// the session's token state its `exp`), and a server renews the token with each heartbeat,
// often to the same string: the last token decoded on this thread is remembered with its
// claims (compared whole, byte for byte, so a different token is always decoded). The copy
// is a bearer token: wiped when replaced and when the thread ends.
struct LastDecoded {
  std::string token;
  Claims claims;
  bool valid = false;
  ~LastDecoded() { wipe(); }
  void wipe() {
    if (!token.empty()) OPENSSL_cleanse(&token[0], token.size());
    token.clear();
    valid = false;
  }
};

const Claims& claims_of(const std::string& token) {
  thread_local LastDecoded last;
  if (!last.valid || last.token != token) {
    last.wipe();
    last.claims = read_claims(token);
    last.token = token;
    last.valid = true;
  }
  return last.claims;
}

}  // namespace

std::optional<std::int64_t> jwt_expiry(const std::string& token) { return claims_of(token).exp; }

std::optional<std::string> jwt_subject(const std::string& token) { return claims_of(token).sub; }

std::optional<std::string> jwt_session_id(const std::string& token) { return claims_of(token).sid; }

}  // namespace core
}  // namespace creditmeter
