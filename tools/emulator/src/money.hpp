// Money is kept as integer milli-credits (1 credit = 1000 mc) everywhere inside the
// emulator, so that no rounding drift can creep into balances; a USD account's amounts are
// milli-dollars by the same arithmetic (the names say credits, the unit is the account's).
// Prices of usage events are micro-units, so that 5 credits a minute per second is exact
// enough (0.083333). These helpers are the only
// places where credits cross the JSON boundary.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace creditmeter::emulator {

using MilliCredits = std::int64_t;

// Largest amount accepted from a request (1e12 credits): far beyond any real balance, and
// small enough that sums of a few of them can never overflow int64 milli-credits.
inline constexpr MilliCredits kMaxAbsMilliCredits = 1'000'000'000'000'000LL;

// Converts a JSON number of credits to milli-credits, exactly: the number's shortest
// decimal text is rounded half away from zero at the third decimal, so 0.1 + 0.2 style
// binary noise never changes a value. Returns nullopt for non-numbers, NaN/inf and values
// beyond kMaxAbsMilliCredits.
std::optional<MilliCredits> credits_to_milli(const nlohmann::json& credits);

// Milli-credits as a JSON number of credits: an integer when whole, else a double whose
// shortest text is exact to the third decimal (e.g. 12345 -> 12.345).
nlohmann::json milli_to_credits(MilliCredits mc);

// A JSON number of units (a price) as integer micro-units, exactly, rounded half away from
// zero at the sixth decimal; nullopt as credits_to_milli (bound: kMaxAbsMilliCredits micro).
std::optional<std::int64_t> units_to_micro(const nlohmann::json& units);

// Micro-units as a JSON number of units: an integer when whole, else the double nearest the
// exact decimal (83333 -> 0.083333).
nlohmann::json micro_to_units(std::int64_t micro);

// Charge, in milli-units, of one usage event: floor(quantity_milli * price_micro / 10^6),
// in 128 bits (both validated non-negative and bounded by callers).
MilliCredits event_charge(std::int64_t quantity_milli, std::int64_t price_micro);

// Charge, in milli-credits, of `total_active_ms` at `rate_mc_per_min` milli-credits per
// minute: floor(total_active_ms * rate / 60000), computed in 128 bits so that it cannot
// overflow whatever the inputs (both are validated non-negative by callers).
MilliCredits charge_for(std::int64_t total_active_ms, std::int64_t rate_mc_per_min);

}  // namespace creditmeter::emulator
