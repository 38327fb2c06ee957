#include "connection.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace creditmeter::emulator {
namespace {

bool endpoint_of(const sockaddr_storage& address, socklen_t length, std::string& host, int& port) {
  char host_buf[NI_MAXHOST];
  char port_buf[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host_buf, sizeof host_buf, port_buf,
                  sizeof port_buf, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  host = host_buf;
  port = std::atoi(port_buf);
  return true;
}

bool matches(int fd, const ConnectionId& id) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  sockaddr_storage peer{}, local{};
  socklen_t peer_len = sizeof peer, local_len = sizeof local;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return false;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return false;
  std::string peer_host, local_host;
  int peer_port = -1, local_port = -1;
  return endpoint_of(peer, peer_len, peer_host, peer_port) && endpoint_of(local, local_len, local_host, local_port) &&
         peer_port == id.remote_port && local_port == id.local_port && peer_host == id.remote_addr;
}

}  // namespace

int find_connection_fd(const ConnectionId& id) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (const dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || fd == dirfd(dir)) continue;
    if (matches(static_cast<int>(fd), id)) {
      found = static_cast<int>(fd);
      break;
    }
  }
  closedir(dir);
  return found;
}

bool close_connection(const ConnectionId& id) {
  const int fd = find_connection_fd(id);
  return fd >= 0 && ::shutdown(fd, SHUT_RDWR) == 0;
}

bool arm_reset(const ConnectionId& id) {
  const int fd = find_connection_fd(id);
  if (fd < 0) return false;
  // Let the partial answer leave the send queue first, or the RST would discard it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int queued = 0;
  while (ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const linger abortive{1, 0};
  return setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive) == 0;
}

}  // namespace creditmeter::emulator
