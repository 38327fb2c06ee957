#pragma once
// The seed rate card (credits per active minute), for estimates when the server sends none.

#include <optional>
#include <string>

namespace creditmeter {
namespace core {

inline std::optional<double> seed_rate(const std::string& model, const std::string& surface) {
  if (model == "essence" && surface == "cloud") return 2;
  if (model == "expression" && surface == "cloud") return 4;
  if (model == "essence" && surface == "self_hosted") return 1;
  if (model == "expression" && surface == "self_hosted") return 2;
  if (model == "expression" && surface == "on_device") return 2;
  return std::nullopt;
}

}  // namespace core
}  // namespace creditmeter
