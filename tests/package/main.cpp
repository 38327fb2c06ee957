// Consumer check of the installed package: includes the public header, links
// creditmeter::creditmeter, and runs an audio-only session, which needs no server (port 9 is
// discard: nothing listens there, and an audio-only session must not try).
#include <creditmeter/creditmeter.hpp>

#include <cstdio>
#include <exception>

int main() {
  try {
    creditmeter::ClientOptions options;
    options.base_url = "http://127.0.0.1:9";
    options.api_secret = "x";
    options.journal_dir = "";  // no journal: this check writes nothing to disk
    creditmeter::Client client(options);

    creditmeter::SessionOptions session_options;
    session_options.audio_only = true;
    auto session = client.start_session(session_options);
    session->frame();
    const bool may_render = session->may_render();
    session->stop();

    std::printf("creditmeter-package-check version=%s may_render=%d\n", CREDITMETER_VERSION_STRING,
                may_render ? 1 : 0);
    if (!may_render) {
      std::fprintf(stderr, "FAIL: a started audio-only session must be allowed to render\n");
      return 1;
    }
    std::printf("creditmeter-package-check OK\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAIL: %s\n", e.what());
    return 1;
  }
}
