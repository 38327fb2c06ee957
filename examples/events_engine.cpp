// events_engine: a simulated conversational avatar metered by creditmeter (C++ API): its active
// time (a 25 fps renderer gated on may_render()) and, beside it, the usage each turn of the
// conversation spends, recorded as usage events: the user's speech transcribed (stt_seconds),
// one LLM request (llm_gpt4) and the reply spoken (tts_seconds).
//   CREDITMETER_BASE_URL=http://127.0.0.1:8765 CREDITMETER_API_SECRET=sk_... events_engine --duration 10
// record() never waits on the network: the SDK journals each event and sends them in batches;
// the server charges each once at its price (docs/CREDITS.md). Exit 0 when the session ran and
// all its usage (time and events) was settled, 1 on any error.
#include <creditmeter/creditmeter.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

// One turn of the conversation, as a real engine would measure it.
struct Turn {
  double user_speech_s;  // what speech-to-text transcribed
  double reply_speech_s;  // what text-to-speech spoke
};

Turn next_turn(long n) { return Turn{1.5 + static_cast<double>(n % 3) * 0.5, 2.0 + static_cast<double>(n % 4) * 0.75}; }

}  // namespace

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
    options.on_state_change = [](const creditmeter::StateChange& c) {  // on the callback thread
      std::printf("state: %s -> %s (%s: %s)\n", to_string(c.from).c_str(), to_string(c.to).c_str(),
                  to_string(c.reason).c_str(), c.message.c_str());
      std::fflush(stdout);
    };
    // An action the server has no price for is refused for good: not charged, reported here.
    options.on_event_rejected = [](const creditmeter::RejectedEvent& e) {
      std::printf("not billed: %s x %g (%s): %s\n", e.action.c_str(), e.quantity, e.code.c_str(), e.message.c_str());
      std::fflush(stdout);
    };
    auto session = client.start_session(options);
    std::printf("session %s started (amounts in %s)\n", session->id().c_str(), session->stats().unit.c_str());

    using clock = std::chrono::steady_clock;
    const auto end = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(duration_s));
    auto next_turn_at = clock::now();
    long frames = 0, turns = 0;
    for (auto next = clock::now(); clock::now() < end; std::this_thread::sleep_until(next)) {
      next += std::chrono::milliseconds(40);  // 25 fps
      if (!session->may_render()) continue;   // paused: no frames, and no new turns either
      // ... render the avatar frame here ...
      session->frame();
      ++frames;
      if (clock::now() >= next_turn_at) {  // a turn of the conversation every second
        next_turn_at += std::chrono::seconds(1);
        const Turn t = next_turn(turns++);
        session->record("stt_seconds", t.user_speech_s);  // ... transcribe the user ...
        session->record("llm_gpt4");                       // ... one request for the reply ...
        session->record("tts_seconds", t.reply_speech_s);  // ... and speak it
      }
    }

    session->stop();
    const bool delivered = client.flush(std::chrono::seconds(5));
    const creditmeter::SessionStats st = session->stats();
    std::printf("rendered %ld frames, %ld turns; active %lld ms (reported %lld ms); events %llu recorded, "
                "%llu charged, %llu rejected; %.3f %s charged (time and events), balance %.3f\n",
                frames, turns, static_cast<long long>(st.active_ms), static_cast<long long>(st.reported_ms),
                static_cast<unsigned long long>(st.events_recorded),
                static_cast<unsigned long long>(st.events_acknowledged),
                static_cast<unsigned long long>(st.events_rejected), st.credits_charged, st.unit.c_str(), st.balance);
    if (!delivered) std::fprintf(stderr, "events_engine: usage not settled yet (kept in the journal)\n");
    return delivered && st.events_pending == 0 ? 0 : 1;
  } catch (const creditmeter::Error& e) {
    std::fprintf(stderr, "events_engine: %s\n", e.what());
    return 1;
  }
}
