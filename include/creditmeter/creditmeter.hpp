#pragma once
// creditmeter: metering of active avatar runtime, billed in credits. The whole C++ API.

#include "creditmeter/client.hpp"
#include "creditmeter/clock.hpp"
#include "creditmeter/credit_summary.hpp"
#include "creditmeter/credits.hpp"
#include "creditmeter/errors.hpp"
#include "creditmeter/log.hpp"
#include "creditmeter/options.hpp"
#include "creditmeter/session.hpp"
#include "creditmeter/state.hpp"
#include "creditmeter/stats.hpp"
#include "creditmeter/transport.hpp"
#include "creditmeter/version.h"
