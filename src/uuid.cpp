#include "uuid.hpp"

#include <cstddef>
#include <stdexcept>

#include <openssl/rand.h>

#include "fork_guard.hpp"

namespace creditmeter {
namespace detail {

namespace {

// Random bytes are drawn from OpenSSL's CSPRNG for 64 UUIDs at a time: one RAND_bytes call
// costs ~2 us whatever its size up to a few KiB (provider dispatch, DRBG bookkeeping), which
// was the largest piece of start_session's own work. A thread's unused bytes are dropped
// after fork(), so a parent and its child never hand out the same id.
struct RandomBlock {
  unsigned char bytes[64 * 16];
  std::size_t used = sizeof bytes;
  unsigned forks = 0;

  const unsigned char* take16() {
    const unsigned forks_now = fork_generation();
    if (used == sizeof bytes || forks != forks_now) {
      if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
      used = 0;
      forks = forks_now;
    }
    const unsigned char* out = bytes + used;
    used += 16;
    return out;
  }
};

}  // namespace

void random_uuid(char out[36]) {
  thread_local RandomBlock block;
  unsigned char b[16];
  const unsigned char* r = block.take16();
  for (int i = 0; i < 16; ++i) b[i] = r[i];
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  // 8-4-4-4-12 lowercase hex digits, written directly (snprintf with 16 conversions cost
  // more than the rest of the function).
  static const char kHex[] = "0123456789abcdef";
  std::size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[pos++] = '-';
    out[pos++] = kHex[b[i] >> 4];
    out[pos++] = kHex[b[i] & 15];
  }
}

std::string random_uuid() {
  std::string out(36, '-');
  random_uuid(&out[0]);
  return out;
}

}  // namespace detail
}  // namespace creditmeter
