#include "money.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace creditmeter::emulator {
namespace {

// GCC/Clang 128-bit integers: exact products of two int64 values. __extension__ keeps
// -Wpedantic quiet about the non-standard type.
__extension__ typedef __int128 Int128;

// Parses a plain decimal text ("-12.3456", "1e-3", "250") into an integer of 10^-`decimals`
// units (3: milli-credits), rounding half away from zero. Hand-written because the standard library has no exact decimal
// parser; the input is nlohmann's own shortest round-trip rendering of a double, so the
// grammar is small and known.
std::optional<std::int64_t> decimal_text_to_scaled(const std::string& text, int decimals, std::int64_t max_abs) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string digits;  // all significant digits, the decimal point removed
  int point = -1;      // number of digits before the decimal point
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '.' && point < 0) {
      point = static_cast<int>(digits.size());
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (point < 0) point = static_cast<int>(digits.size());
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    char* end = nullptr;
    const long exponent = std::strtol(text.c_str() + i + 1, &end, 10);
    if (*end != '\0' || exponent > 40 || exponent < -400) return std::nullopt;
    point += static_cast<int>(exponent);
  } else if (i != text.size()) {
    return std::nullopt;
  }
  // Value = 0.digits * 10^point. The result keeps point + decimals digits; the next one rounds.
  const int keep = point + decimals;
  if (keep > 19) return std::nullopt;  // beyond int64 range: refuse rather than wrap
  Int128 whole = 0;
  for (int k = 0; k < keep; ++k) {
    const int digit = k >= 0 && k < static_cast<int>(digits.size()) ? digits[static_cast<std::size_t>(k)] - '0' : 0;
    whole = whole * 10 + digit;
  }
  const int next = keep >= 0 && keep < static_cast<int>(digits.size()) ? digits[static_cast<std::size_t>(keep)] - '0' : 0;
  if (next >= 5) whole += 1;
  if (whole > max_abs) return std::nullopt;
  const auto scaled = static_cast<std::int64_t>(whole);
  return negative ? -scaled : scaled;
}

std::optional<std::int64_t> scaled_integer(const nlohmann::json& number, int decimals, std::int64_t max_abs) {
  std::int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  if (number.is_number_integer()) {
    // Integers (signed or unsigned) convert directly; the bound keeps *scale in range.
    if (number.is_number_unsigned()) {
      const auto v = number.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(max_abs / scale)) return std::nullopt;
      return static_cast<std::int64_t>(v) * scale;
    }
    const auto v = number.get<std::int64_t>();
    if (v > max_abs / scale || v < -max_abs / scale) return std::nullopt;
    return v * scale;
  }
  if (!number.is_number_float()) return std::nullopt;
  const double d = number.get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return decimal_text_to_scaled(number.dump(), decimals, max_abs);
}

}  // namespace

std::optional<MilliCredits> credits_to_milli(const nlohmann::json& credits) {
  return scaled_integer(credits, 3, kMaxAbsMilliCredits);
}

std::optional<std::int64_t> units_to_micro(const nlohmann::json& units) {
  return scaled_integer(units, 6, kMaxAbsMilliCredits);
}

nlohmann::json micro_to_units(std::int64_t micro) {
  if (micro % 1'000'000 == 0) return micro / 1'000'000;
  return static_cast<double>(micro) / 1'000'000.0;
}

nlohmann::json milli_to_credits(MilliCredits mc) {
  if (mc % 1000 == 0) return mc / 1000;
  // mc / 1000.0 is the double nearest to the exact decimal, and nlohmann prints the
  // shortest text that round-trips, i.e. the exact decimal itself.
  return static_cast<double>(mc) / 1000.0;
}

MilliCredits event_charge(std::int64_t quantity_milli, std::int64_t price_micro) {
  const Int128 product = static_cast<Int128>(quantity_milli) * price_micro;
  return static_cast<MilliCredits>(product / 1'000'000);
}

MilliCredits charge_for(std::int64_t total_active_ms, std::int64_t rate_mc_per_min) {
  const Int128 product = static_cast<Int128>(total_active_ms) * rate_mc_per_min;
  return static_cast<MilliCredits>(product / 60000);
}

}  // namespace creditmeter::emulator
