// libFuzzer target: Retry-After header values (delay-seconds or an HTTP-date, via
// curl_getdate). The result, when there is one, lies in [0, 60 s].

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/backoff.hpp"
#include "fuzz_check.hpp"

using namespace creditmeter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string value(reinterpret_cast<const char*>(data), size);
  for (const std::int64_t now : {std::int64_t{0}, std::int64_t{1700000000}, std::int64_t{4102444800}}) {
    if (auto d = core::parse_retry_after(value, now)) {
      FUZZ_CHECK(d->count() >= 0 && d->count() <= core::kMaxRetryAfter.count());
    }
  }
  return 0;
}
