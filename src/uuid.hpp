#pragma once
#include <string>

namespace creditmeter {
namespace detail {

// A random (version 4) UUID from OpenSSL's CSPRNG, e.g. for session ids.
std::string random_uuid();

}  // namespace detail
}  // namespace creditmeter
