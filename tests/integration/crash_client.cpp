// A client process for the kill -9 tests: renders one session at 25 fps against a server,
// journaling to --journal-dir, and writes its active time to stdout every 50 ms. The test
// kills it (or CREDITMETER_TEST_CRASH_AT makes the library kill it at a dangerous point),
// then checks that a new process completes the billing from the journal.
//
//   creditmeter_crash_client BASE_URL API_SECRET JOURNAL_DIR [events]
//
// With `events` it also records a usage event (llm_gpt35) every 160 ms and writes each id
// (`event <id>`) once record() returned.

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <creditmeter/creditmeter.hpp>

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s BASE_URL API_SECRET JOURNAL_DIR [events]\n", argv[0]);
    return 2;
  }
  const bool events = argc == 5 && std::string(argv[4]) == "events";
  creditmeter::ClientOptions o;
  o.base_url = argv[1];
  o.api_secret = argv[2];
  o.journal_dir = std::string(argv[3]);
  creditmeter::Client client(o);
  auto s = client.start_session();
  std::printf("session %s\n", s->id().c_str());
  std::fflush(stdout);
  auto next = std::chrono::steady_clock::now();
  for (int i = 0; i < 25 * 60; ++i) {  // at most a minute: the test kills it long before
    if (s->may_render()) s->frame();
    if (events && i % 4 == 0) {
      const std::string id = s->record("llm_gpt35");
      std::printf("event %s\n", id.c_str());
      std::fflush(stdout);
    }
    if (i % 2 == 0) {
      std::printf("active_ms %lld\n", static_cast<long long>(s->stats().active_ms));
      std::fflush(stdout);
    }
    next += std::chrono::milliseconds(40);
    std::this_thread::sleep_until(next);  // the simulated frame time
  }
  return 0;
}
