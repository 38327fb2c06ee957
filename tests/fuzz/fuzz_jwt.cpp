// libFuzzer target: the JWT claim reader of src/core/jwt.cpp (`exp` and `sub`, unverified).
// Never throws; an unreadable token is nullopt.

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/jwt.hpp"
#include "fuzz_check.hpp"

using namespace creditmeter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string token(reinterpret_cast<const char*>(data), size);
  if (auto exp = core::jwt_expiry(token)) FUZZ_CHECK(*exp >= 0 && *exp <= 10000000000000LL);
  (void)core::jwt_subject(token);
  return 0;
}
