#pragma once
// Helpers for tests of the SDK against the emulator: a simulated renderer and a thread
// counter. Every wait has a deadline; nothing sleeps to synchronise.

#include <time.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <creditmeter/creditmeter.hpp>

#include "emulator_process.hpp"

namespace creditmeter {
namespace testing {

inline int thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// Threads of this process named `name` (/proc/self/task/*/comm).
inline int threads_named(const std::string& name) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(entry.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++n;
  }
  return n;
}

inline std::string unique_secret(const std::string& name) {
  static std::atomic<int> n{0};
  return "sk_test_" + name + "_" + std::to_string(++n) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

inline ClientOptions client_options(const EmulatorProcess& emu, const std::string& secret) {
  ClientOptions o;
  o.base_url = emu.base_url();
  o.api_secret = secret;
  o.journal_dir = "";
  o.connect_timeout = std::chrono::milliseconds(2000);
  return o;
}

// A simulated 25 fps renderer on its own thread, gated on may_render(). It measures the
// time it really rendered (T of the billing invariant, docs/ARCHITECTURE.md) and whether it rendered while the
// session said no.
class Renderer {
 public:
  explicit Renderer(Session& session, std::chrono::milliseconds frame_time = std::chrono::milliseconds(40))
      : session_(session), frame_time_(frame_time), thread_([this] { run(); }) {}
  ~Renderer() { stop(); }

  void stop() {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Rendered time: first to last frame of each unbroken active stretch, plus the SDK clock's
  // resolution per stretch (its coarse readings may round each end by that much).
  std::chrono::milliseconds rendered() const { return std::chrono::milliseconds(rendered_ms_.load()); }
  long frames() const { return frames_.load(); }
  bool ever_gated() const { return gated_.load(); }

 private:
  void run() {
    using Clock = std::chrono::steady_clock;
    timespec res{};
    clock_getres(CLOCK_MONOTONIC_COARSE, &res);
    const auto resolution = std::chrono::nanoseconds(res.tv_nsec);
    bool in_stretch = false;
    Clock::time_point stretch_start{}, last{};
    auto next = Clock::now();
    std::chrono::nanoseconds total{0};
    while (!quit_) {
      if (session_.may_render()) {
        const auto before = Clock::now();
        session_.frame();
        ++frames_;
        if (!in_stretch) {
          in_stretch = true;
          stretch_start = before;
          total += resolution;
        }
        last = Clock::now();
        rendered_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(total + (last - stretch_start)).count();
      } else {
        gated_ = true;
        if (in_stretch) total += last - stretch_start;
        in_stretch = false;
      }
      next += frame_time_;
      std::this_thread::sleep_until(next);  // the simulated frame time, not synchronisation
    }
  }

  Session& session_;
  const std::chrono::milliseconds frame_time_;
  std::atomic<bool> quit_{false};
  std::atomic<long> frames_{0};
  std::atomic<bool> gated_{false};
  std::atomic<long long> rendered_ms_{0};
  std::thread thread_;
};

}  // namespace testing
}  // namespace creditmeter
