#pragma once
#include <string>

namespace creditmeter {
namespace detail {

// A random (version 4) UUID from OpenSSL's CSPRNG, e.g. for session ids.
std::string random_uuid();
// The same into `out` (36 characters, no NUL): no allocation, for Session::record()'s event
// ids (bench_events: record() is held to 3x a mutex-guarded push, and a 36-character
// std::string is past the short-string buffer).
void random_uuid(char out[36]);

}  // namespace detail
}  // namespace creditmeter
