// Random identifiers and keys from OpenSSL's CSPRNG.
#pragma once

#include <cstddef>
#include <string>

namespace creditmeter::emulator {

// `n` random bytes; throws std::runtime_error if the CSPRNG fails.
std::string random_bytes(std::size_t n);

// A random (version 4) UUID, e.g. "3f2b8c1e-...".
std::string random_uuid();

}  // namespace creditmeter::emulator
