// Proves that Session::frame() and Session::may_render() never touch the heap: global
// operator new/delete are replaced by counting versions, a real metered session is started
// against the emulator, and a million calls of each must allocate and free nothing.
// (A ctest, label `unit`: it runs in CI; no benchmark library involved.)
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <creditmeter/creditmeter.hpp>

#include "bench_support.hpp"

namespace {
std::atomic<long> g_allocs{0};
std::atomic<long> g_frees{0};
thread_local bool t_counting = false;  // only the renderer thread's calls are counted
}  // namespace

void* operator new(std::size_t n) {
  if (t_counting) g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (t_counting) g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept {
  if (p != nullptr && t_counting) g_frees.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }

int main() {
  cmbench::Emulator emulator;
  emulator.create_account("alloc-test", 1e6, 10);
  creditmeter::ClientOptions o;
  o.base_url = emulator.url();
  o.api_secret = "alloc-test";
  o.journal_dir = "";
  creditmeter::Client client(o);
  auto session = client.start_session();

  // Self-check of the counter: a std::string that cannot use SSO must be seen.
  t_counting = true;
  { std::string probe(100, 'x'); (void)probe; }
  t_counting = false;
  if (g_allocs.load() == 0) {
    std::fprintf(stderr, "FAIL: the counting allocator does not see allocations\n");
    return 1;
  }
  g_allocs = 0;
  g_frees = 0;

  long rendered = 0;
  t_counting = true;
  for (int i = 0; i < 1000000; ++i) {
    if (session->may_render()) {
      session->frame();
      ++rendered;
    }
  }
  // While paused too (the gate closed), and across the state change.
  t_counting = false;
  session->pause();
  t_counting = true;
  for (int i = 0; i < 100000; ++i) {
    if (!session->may_render()) session->frame();
  }
  t_counting = false;
  const long allocs = g_allocs.load(), frees = g_frees.load();
  session->resume();
  std::printf("frame()/may_render(): %ld rendered frames, %ld allocations, %ld frees\n", rendered, allocs, frees);
  if (rendered == 0) {
    std::fprintf(stderr, "FAIL: the session never allowed rendering\n");
    return 1;
  }
  if (allocs != 0 || frees != 0) {
    std::fprintf(stderr, "FAIL: the hot path touched the heap\n");
    return 1;
  }
  std::printf("PASS\n");
  return 0;
}
