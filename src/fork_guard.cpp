#include "fork_guard.hpp"

#include <pthread.h>

#include <atomic>
#include <mutex>

namespace creditmeter {
namespace detail {

namespace {
std::atomic<unsigned> g_forks{0};
}  // namespace

unsigned fork_generation() {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(nullptr, nullptr, [] { g_forks.fetch_add(1, std::memory_order_relaxed); }); });
  return g_forks.load(std::memory_order_relaxed);
}

}  // namespace detail
}  // namespace creditmeter
