// creditmeter-emulator: a local creditmeter server for tests, demos and development.
// See docs/EMULATOR.md.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <thread>

#include "http_server.hpp"

namespace {

using creditmeter::emulator::EmulatorServer;
using creditmeter::emulator::Options;
using creditmeter::emulator::Verbosity;

// Written to a temp file and renamed, so a reader never sees a partial port number.
bool write_port_file(const std::string& path, int port) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(temp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string message;
  bool help = false;
  const auto options = creditmeter::emulator::parse_options(argc, argv, message, help);
  if (!options) {
    (help ? std::cout : std::cerr) << message << (help ? "" : "\n" + creditmeter::emulator::usage_text());
    return help ? 0 : 2;
  }

  // SIGTERM/SIGINT are taken by one thread with sigwait (no work in a signal handler);
  // they are blocked before any other thread exists so that every thread inherits that.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-answer is an error code, not a death

  try {
    EmulatorServer server(*options);
    const int port = server.bind();
    if (!options->port_file.empty() && !write_port_file(options->port_file, port)) {
      std::cerr << "creditmeter-emulator: cannot write the port file " << options->port_file << "\n";
      return 1;
    }
    if (options->verbosity != Verbosity::kQuiet) {
      std::cerr << "creditmeter-emulator: listening on " << (options->tls_cert.empty() ? "http" : "https") << "://"
                << options->host << ":" << port << "\n";
    }
    std::thread signal_waiter([&server, signals] {
      int received = 0;
      sigwait(&signals, &received);
      server.stop();
    });
    signal_waiter.detach();  // it ends with the process; nothing of it outlives `server` usefully
    server.run();
    if (options->verbosity != Verbosity::kQuiet) std::cerr << "creditmeter-emulator: stopped\n";
  } catch (const std::exception& e) {
    std::cerr << "creditmeter-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
