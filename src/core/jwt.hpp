#pragma once
// Reads the `exp` claim of a JWT without verifying it: the client only needs to know which
// of two tokens lives longer (the server verifies signatures).

#include <cstdint>
#include <optional>
#include <string>

namespace creditmeter {
namespace core {

// The `exp` claim (Unix seconds), or nullopt when the token is not a readable JWT.
std::optional<std::int64_t> jwt_expiry(const std::string& token);
// The `sub` claim (the account id), or nullopt.
std::optional<std::string> jwt_subject(const std::string& token);
// The `sid` claim (the session the token is for), or nullopt.
std::optional<std::string> jwt_session_id(const std::string& token);

}  // namespace core
}  // namespace creditmeter
