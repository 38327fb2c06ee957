// render_loop: a simulated 25 fps avatar renderer metered by creditmeter (C++ API).
//   CREDITMETER_BASE_URL=http://127.0.0.1:8765 CREDITMETER_API_SECRET=sk_... render_loop --duration 10
// Each frame is gated on may_render(); state changes are printed as they come. Exit 0 when
// the session ran and all its usage was acknowledged, 1 on any error.
#include <creditmeter/creditmeter.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

int main(int argc, char** argv) {
  double duration_s = 10;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
      duration_s = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--duration SECONDS]\n", argv[0]);
      return 2;
    }
  }
  try {
    creditmeter::Client client;  // base_url, api_secret: CREDITMETER_BASE_URL, CREDITMETER_API_SECRET
    creditmeter::SessionOptions options;  // essence / cloud
    options.on_state_change = [](const creditmeter::StateChange& c) {  // on the scheduler thread
      std::printf("state: %s -> %s (%s: %s)\n", to_string(c.from).c_str(), to_string(c.to).c_str(),
                  to_string(c.reason).c_str(), c.message.c_str());
      std::fflush(stdout);
    };
    auto session = client.start_session(options);
    std::printf("session %s started\n", session->id().c_str());

    using clock = std::chrono::steady_clock;
    const auto end = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(duration_s));
    long frames = 0, gated = 0;
    for (auto next = clock::now(); clock::now() < end; std::this_thread::sleep_until(next)) {
      next += std::chrono::milliseconds(40);  // 25 fps
      if (!session->may_render()) {           // paused: show a "paused" card instead
        ++gated;
        continue;
      }
      // ... render the avatar frame here ...
      session->frame();
      ++frames;
    }

    session->stop();
    const bool delivered = client.flush(std::chrono::seconds(5));
    const creditmeter::SessionStats st = session->stats();
    std::printf("rendered %ld frames (%ld gated); active %lld ms, reported %lld ms, %.4f credits, balance %.2f\n",
                frames, gated, static_cast<long long>(st.active_ms), static_cast<long long>(st.reported_ms),
                st.credits_charged, st.balance);
    if (!delivered) std::fprintf(stderr, "render_loop: usage not acknowledged yet (kept in the journal)\n");
    return delivered ? 0 : 1;
  } catch (const creditmeter::Error& e) {
    std::fprintf(stderr, "render_loop: %s\n", e.what());
    return 1;
  }
}
