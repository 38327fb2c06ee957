// Closing or resetting the TCP connection of a request from inside a cpp-httplib handler.
//
// cpp-httplib gives handlers no socket handle, and its only way to end a connection
// without an answer is a failing content provider, which would already have sent the
// status line and headers. Fault modes `refuse` and `hang` must send *nothing*, so we find
// the connection's descriptor ourselves: the accepted socket is the only one in the process
// whose peer address and local port equal the request's (a TCP 4-tuple is unique). We only
// shutdown() it, never close() it: the descriptor stays owned by cpp-httplib, which closes
// it when its own read/write fails, so there is no risk of closing a reused descriptor.
#pragma once

#include <string>

namespace creditmeter::emulator {

struct ConnectionId {
  std::string remote_addr;
  int remote_port = -1;
  int local_port = -1;
};

// The descriptor of the accepted socket for `id`, or -1 if it is gone.
int find_connection_fd(const ConnectionId& id);

// Sends FIN both ways at once: the client sees the connection closed with no answer.
bool close_connection(const ConnectionId& id);

// Arms an abortive close: SO_LINGER 0 makes the kernel send RST instead of FIN when the
// socket is closed, after first letting what was written reach the peer (up to 1 s).
bool arm_reset(const ConnectionId& id);

}  // namespace creditmeter::emulator
