#include "front_servers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "../security/security_support.hpp"

extern char** environ;

namespace creditmeter {
namespace testing {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  wait_child(pid_, std::chrono::seconds(5));  // SIGKILL after the deadline
}

bool ChildProcess::running() { return pid_ > 0 && ::kill(pid_, 0) == 0; }

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string find_program(const std::string& name) {
  std::string dirs = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  dirs += ":/usr/sbin:/usr/bin:/sbin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = dirs.find(':', start);
    const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string path = dir + "/" + name;
    if (!dir.empty() && ::access(path.c_str(), X_OK) == 0) return path;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Starts `argv` until it listens on a free port (another process may take the port between
// our probe and its bind: then it exits and the next port is tried).
template <typename Configure>
std::unique_ptr<ChildProcess> start_listening(int& port, const std::string& log, Configure configure) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port = free_loopback_port();
    auto child = std::make_unique<ChildProcess>(configure(port), log);
    if (wait_until([&] { return accepts_connections(port) || !child->running(); }, std::chrono::seconds(10)) &&
        child->running()) {
      return child;
    }
  }
  throw std::runtime_error("the front server did not start; its log: " + read_text(log));
}

}  // namespace

NginxProcess::NginxProcess(int upstream_port, NginxOptions o) {
  const std::string nginx = find_program("nginx");
  if (nginx.empty()) throw std::runtime_error("nginx is not installed");
  const Pki pki = make_pki(dir_, "nginx");
  ca_cert_ = pki.ca_cert;
  const std::string d = dir_.path();
  for (const char* sub : {"/body", "/proxy", "/fastcgi", "/uwsgi", "/scgi"}) ::mkdir((d + sub).c_str(), 0700);
  process_ = start_listening(port_, d + "/nginx.out", [&](int port) {
    write_file(d + "/nginx.conf",
               std::string(::geteuid() == 0 ? "user root;\n" : "") +  // workers must read the key
                   "worker_processes 1;\n"
                   "pid " + d + "/nginx.pid;\n"
                   "error_log " + d + "/error.log info;\n"
                   "events { worker_connections 512; }\n"
                   "http {\n"
                   "  access_log off;\n"
                   "  client_body_temp_path " + d + "/body; proxy_temp_path " + d + "/proxy;\n"
                   "  fastcgi_temp_path " + d + "/fastcgi; uwsgi_temp_path " + d + "/uwsgi; scgi_temp_path " + d + "/scgi;\n"
                   "  keepalive_timeout " + std::to_string(o.keepalive_timeout.count()) + "ms;\n"
                   "  keepalive_requests " + std::to_string(o.keepalive_requests) + ";\n"
                   "  upstream emulator { server 127.0.0.1:" + std::to_string(upstream_port) + "; keepalive 8; }\n"
                   "  server {\n"
                   "    listen 127.0.0.1:" + std::to_string(port) + " ssl" + (o.http2 ? " http2" : "") + ";\n"
                   "    ssl_certificate " + pki.server_cert + ";\n"
                   "    ssl_certificate_key " + pki.server_key + ";\n"
                   "    location / {\n"
                   "      proxy_pass http://emulator;\n"
                   "      proxy_http_version 1.1;\n"
                   "      proxy_set_header Connection \"\";\n"
                   "    }\n"
                   "  }\n"
                   "}\n");
    return std::vector<std::string>{nginx, "-p", d, "-c", d + "/nginx.conf", "-g", "daemon off;"};
  });
}

std::string NginxProcess::error_log() const { return read_text(dir_.file("error.log")); }

TinyproxyProcess::TinyproxyProcess() {
  const std::string tinyproxy = find_program("tinyproxy");
  if (tinyproxy.empty()) throw std::runtime_error("tinyproxy is not installed");
  const std::string d = dir_.path();
  process_ = start_listening(port_, d + "/tinyproxy.out", [&](int port) {
    // No ConnectPort line: CONNECT to any port (the emulator's is random).
    write_file(d + "/tinyproxy.conf", "Port " + std::to_string(port) + "\nListen 127.0.0.1\nTimeout 30\n" +
                                          (::geteuid() == 0 ? "User root\nGroup root\n" : "") +
                                          "MaxClients 50\nAllow 127.0.0.1\nLogLevel Connect\nLogFile \"" + d +
                                          "/tinyproxy.log\"\n");
    return std::vector<std::string>{tinyproxy, "-d", "-c", d + "/tinyproxy.conf"};
  });
}

std::string TinyproxyProcess::log() const { return read_text(dir_.file("tinyproxy.log")); }

}  // namespace testing
}  // namespace creditmeter
