// What an injected fault does to one HTTP exchange (see faults.hpp for the rules).
#pragma once

#include <cstdint>

#include <httplib.h>

#include "faults.hpp"
#include "reply.hpp"

namespace creditmeter::emulator {

// Carries out `rule` on this exchange. `processed` is the ledger's answer when the request
// was processed (apply: true, and always for slow), or nullptr when it was not.
// `generation` is the fault plan's generation read before the rule was taken, so that a
// clear racing with the request still ends a hang.
void perform_fault(const FaultRule& rule, std::uint64_t generation, const Reply* processed,
                   const FaultPlan& plan, const httplib::Request& req, httplib::Response& res);

}  // namespace creditmeter::emulator
