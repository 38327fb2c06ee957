#pragma once
// The C ABI's transport hook (cm_client_options.transport_send): the app's C callbacks as the
// C++ API's HttpTransport. cm_transport_complete() and cm_transport_fail() live beside it.

#include <memory>

#include "creditmeter/creditmeter.h"
#include "creditmeter/transport.hpp"

namespace creditmeter::c_api {

std::shared_ptr<HttpTransport> c_transport(cm_transport_send_fn send, cm_transport_cancel_fn cancel,
                                           void* user_data);

}  // namespace creditmeter::c_api
