#include "uuid.hpp"

#include <cstddef>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <openssl/rand.h>

#include "fork_guard.hpp"

namespace creditmeter {
namespace detail {

namespace {

// Random bytes are drawn from OpenSSL's CSPRNG for 256 UUIDs at a time: one RAND_bytes call
// costs ~3 us for 1 KiB and ~4 us for 4 KiB (provider dispatch, DRBG bookkeeping), i.e. ~50
// and ~16 ns an id, and Session::record() mints an id per event (bench_events holds it to 3x
// a mutex-guarded push). A thread's unused bytes are dropped after fork(), so a parent and
// its child never hand out the same id.
struct RandomBlock {
  unsigned char bytes[256 * 16];
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

// "000102...feff": the two lowercase hex digits of every byte value.
struct HexPairs {
  char digits[512];
  constexpr HexPairs() : digits{} {
    constexpr char kHex[] = "0123456789abcdef";
    for (int v = 0; v < 256; ++v) {
      digits[2 * v] = kHex[v >> 4];
      digits[2 * v + 1] = kHex[v & 15];
    }
  }
};
constexpr HexPairs kPairs;  // built by the compiler

}  // namespace

void random_uuid(char out[36]) {
  // On the heap, made on a thread's first id: 4 KiB of static TLS would be copied into every
  // thread of the app at its creation.
  thread_local std::unique_ptr<RandomBlock> block;
  if (!block) block = std::make_unique<RandomBlock>();
  unsigned char b[16];
  const unsigned char* r = block->take16();
  for (int i = 0; i < 16; ++i) b[i] = r[i];
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  // 8-4-4-4-12 lowercase hex digits, a byte's two digits with one load and one store from a
  // table of the 256 pairs (a nibble at a time through a 16-entry table was most of this
  // function's cost: record() mints an id per event, and bench_events holds it to 3x a
  // mutex-guarded push; snprintf with 16 conversions cost more than the rest of it).
  static constexpr unsigned char kAt[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
  for (int i = 0; i < 16; ++i) std::memcpy(out + kAt[i], kPairs.digits + 2 * b[i], 2);
  out[8] = out[13] = out[18] = out[23] = '-';
}

std::string random_uuid() {
  std::string out(36, '-');
  random_uuid(&out[0]);
  return out;
}

}  // namespace detail
}  // namespace creditmeter
