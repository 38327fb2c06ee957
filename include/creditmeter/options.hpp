#pragma once
// Options of a Client and of a Session. Durations are std::chrono::milliseconds.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "creditmeter/clock.hpp"
#include "creditmeter/credits.hpp"
#include "creditmeter/log.hpp"
#include "creditmeter/state.hpp"
#include "creditmeter/transport.hpp"

namespace creditmeter {

// Secretless mode: returns the body of a `POST /v1/runtime-tokens/request` answer that the
// app's own backend obtained for this session id (the backend holds the API secret, the
// device never does). Called for start, re-attach and recovery; may block (it runs on the
// calling thread for start and on the scheduler thread otherwise); throw to refuse.
using TokenProvider = std::function<std::string(const std::string& session_id)>;

struct ClientOptions {
  // Server root, e.g. "https://api.example.com". Empty: env CREDITMETER_BASE_URL.
  std::string base_url;
  // The account's API secret. Empty: env CREDITMETER_API_SECRET. Not needed with a
  // token_provider.
  std::string api_secret;
  TokenProvider token_provider;

  // TLS: a CA bundle file (PEM) instead of the system store (Android: ship your own), and
  // optional public-key pins in libcurl's "sha256//<base64>;sha256//<base64>" form.
  std::string ca_file;
  std::string pinned_public_key;
  // Plain http:// is refused for hosts other than loopback unless this is set.
  bool allow_insecure_http = false;
  // Proxy URL; empty = the standard variables (https_proxy, no_proxy, ...).
  std::string proxy;
  // The app's own HTTP stack (creditmeter/transport.hpp): every request goes through it and
  // libcurl is unused. ca_file, pinned_public_key and proxy must then be empty (the app's
  // stack owns TLS and proxies). Required in a build without libcurl
  // (CREDITMETER_WITH_CURL=OFF). Kept alive until the Client and its sessions are gone.
  std::shared_ptr<HttpTransport> transport;

  // Usage journal directory. Unset: $XDG_STATE_HOME/creditmeter (or
  // ~/.local/state/creditmeter); empty string: no journal.
  std::optional<std::string> journal_dir;
  // Spending cap over all of this Client's sessions, in credits (see SessionOptions).
  std::optional<double> max_credits;
  // Above this size (after compaction) sessions pause with reason journal_full rather than
  // risk losing usage.
  std::uint64_t journal_max_bytes = 64ull << 20;

  // ~Client stops its sessions and delivers their usage for at most this long.
  std::chrono::milliseconds shutdown_timeout{2000};
  std::chrono::milliseconds connect_timeout{5000};
  // Upper bound of one request; heartbeats use min(this, max(interval, 1 s)).
  std::chrono::milliseconds request_timeout{15000};
  // A gap between frames longer than this is idle time, never billed.
  std::chrono::milliseconds idle_after{1000};
  // The fastest heartbeat a server may ask for: a smaller heartbeat_interval_s in its answer
  // is raised to this (and logged once), so a hostile or broken server cannot make every
  // session heartbeat as fast as answers return. The offline grace is raised to at least 1 s.
  // Tests that need faster beats lower it.
  std::chrono::milliseconds min_heartbeat_interval{1000};
  // Usage events (Session::record) go out in a batch when 100 are pending, or this long after
  // the oldest pending one, and at once on stop()/flush()/shutdown. 1 s: a cap or a 402 is
  // learned within about a heartbeat's latency, and an engine recording ten events a second
  // sends one request a second, not ten. Within [10 ms, 60 s].
  std::chrono::milliseconds event_batch_delay{1000};

  // Log sink; unset: warnings and errors go to stderr. Messages never hold secrets.
  LogCallback log;
  LogLevel log_level = LogLevel::warning;

  // Injectable for tests: the clock of every deadline and the random source of backoff
  // jitter (uniform in [0, 1)). Unset: system_clock() and a seeded PRNG.
  std::shared_ptr<Clock> clock;
  std::function<double()> random;
};

struct SessionOptions {
  // Strings, so a model the server adds needs no SDK release: "essence", "expression";
  // "cloud", "self_hosted", "on_device".
  std::string model = "essence";
  std::string surface = "cloud";
  // Audio-only sessions are free: no network call, no thread, never billed.
  bool audio_only = false;
  // Given here, no transition can be missed (the callback exists before the session runs).
  StateChangeCallback on_state_change;
  // Optional caller-chosen id (1-128 of [A-Za-z0-9._:-]); default a random UUID.
  std::string session_id;

  // Credits. on_balance runs on every change of the balance; on_low_balance once each time
  // the balance falls below the threshold (again only after a top-up lifted it above):
  // low_balance_credits when set, else low_balance_minutes of runtime at this session's rate.
  BalanceCallback on_balance;
  BalanceCallback on_low_balance;
  double low_balance_minutes = 5;
  std::optional<double> low_balance_credits;
  // Spending cap for this session, in credits: the session pauses (paused_billing,
  // reason spend_cap) before its charges would cross it; raising it resumes.
  std::optional<double> max_credits;
  // A usage event the server refused for good (see RejectedEvent); runs on the client's
  // callback thread.
  EventRejectedCallback on_event_rejected;
};

}  // namespace creditmeter
