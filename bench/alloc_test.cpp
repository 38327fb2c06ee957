// Proves that Session::frame() and Session::may_render() never touch the heap: global
// operator new/delete are replaced by counting versions, a real metered session is started
// against the emulator, and a million calls of each must allocate and free nothing. And that
// a usage event owns no heap memory (docs/CREDITS.md "Usage events"): in the steady state
// (the session has seen the action, its storage holds the backlog) cm_session_record()
// allocates and frees nothing; Session::record() adds the std::string it returns.
// (A ctest, label `unit`: it runs in CI; no benchmark library involved.)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>

#include <creditmeter/creditmeter.h>
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

namespace {

// What `events` calls of `record` (after as many uncounted ones and a flush: the steady
// state) allocated and freed on this thread.
template <typename Record, typename Flush>
std::pair<long, long> count_records(int events, Record record, Flush flush) {
  for (int i = 0; i < events; ++i) record();
  flush();
  g_allocs = 0;
  g_frees = 0;
  t_counting = true;
  for (int i = 0; i < events; ++i) record();
  t_counting = false;
  return {g_allocs.load(), g_frees.load()};
}

// Usage events: an event owns no heap memory, and the scheduler's poke that record() makes
// reuses its queue's capacity (src/scheduler.cpp keeps it from turn to turn).
constexpr int kEvents = 10000;

bool records_allocate_nothing(const cmbench::Emulator& emulator) {
  cm_client_options o;
  cm_client_options_init(&o);
  const std::string url = emulator.url();
  o.base_url = url.c_str();
  o.api_secret = "alloc-test";
  o.journal_dir = "";
  cm_client* client = nullptr;
  cm_session* session = nullptr;
  cm_session_options so;
  cm_session_options_init(&so);
  if (cm_client_new(&o, &client) != CM_OK || cm_client_start_session(client, &so, &session) != CM_OK) {
    std::fprintf(stderr, "FAIL: no C session\n");
    return false;
  }
  char id[37];
  bool ok = true;
  // An action past the short-string buffer (23 characters): interned, not copied per event.
  const auto c = count_records(
      kEvents, [&] { ok = cm_session_record(session, "photo_avatar_generation", 1.0, id) == CM_OK && ok; },
      [&] { cm_client_flush(client, 60000); });
  std::printf("cm_session_record(): %d events, %ld allocations, %ld frees\n", kEvents, c.first, c.second);
  cm_session_stop(session);
  cm_client_flush(client, 60000);
  cm_session_free(session);
  cm_client_free(client);
  if (!ok) {
    std::fprintf(stderr, "FAIL: cm_session_record() failed\n");
    return false;
  }
  // 0 in every run so far; a queue's rare growth (a turn that holds one more poke than any
  // before it) may add one or two, while an allocation per event would be 10,000.
  if (c.second != 0 || c.first > 2) {
    std::fprintf(stderr, "FAIL: a usage event touched the heap\n");
    return false;
  }
  return true;
}

}  // namespace

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
  if (!records_allocate_nothing(emulator)) return 1;
  // Session::record(): the std::string it returns (36 characters, past the short-string
  // buffer) is its one allocation per event.
  const std::string action = "photo_avatar_generation";
  const auto r = count_records(
      kEvents, [&] { (void)session->record(action, 1.0); }, [&] { client.flush(std::chrono::seconds(60)); });
  std::printf("Session::record(): %d events, %ld allocations, %ld frees\n", kEvents, r.first, r.second);
  if (r.first > kEvents + kEvents / 100 || r.second > kEvents) {
    std::fprintf(stderr, "FAIL: Session::record() allocated more than the id it returns\n");
    return 1;
  }
  std::printf("PASS\n");
  return 0;
}
