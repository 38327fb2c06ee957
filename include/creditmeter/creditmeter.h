/* creditmeter C ABI: metering of active avatar runtime, billed in credits.
 *
 * Pure C11 (C++ compilers welcome); the way Swift, Kotlin/JNI, Go, Rust and plain C apps use
 * creditmeter. A thin shell over the C++ API (creditmeter.hpp): same behaviour, same rules
 * (docs/INTEGRATION.md).
 *
 * CONVENTIONS
 * - Every fallible call returns a cm_status: CM_OK (0), an error (1..99), or a non-error
 *   outcome (100 and up, e.g. CM_INCOMPLETE). Values are fixed and never renumbered.
 *   After an error, cm_last_error() gives a human-readable message (never a secret).
 * - No C++ exception ever crosses this boundary. NULL handles, NULL `out` pointers, bad
 *   struct_size values and invalid option values return CM_E_INVALID_ARGUMENT, never crash.
 *   Calls that cannot fail (frame, may_render, getters, _free) accept NULL and do nothing
 *   (or return the documented default).
 * - Handles are opaque: cm_client, cm_session. Each _new/_start has a _free; _free(NULL) is
 *   a no-op. A handle must not be used after (or concurrently with) its _free.
 * - Options and result structs start with `size_t struct_size`, set by their _init function
 *   (or by you: sizeof the struct). The library reads and writes only the fields your
 *   struct_size covers, so structs can grow in later minor versions without breaking callers
 *   built against older headers. struct_size 0 or smaller than the first version of the
 *   struct is CM_E_INVALID_ARGUMENT; so is a struct_size larger than this library knows (a
 *   program built against a newer creditmeter.h than the installed library).
 * - Strings are UTF-8, NUL-terminated. Strings you pass in are copied before the call
 *   returns (you may free them right after). Strings the library returns are owned by the
 *   library; each function says how long they stay valid.
 * - Durations are integers with their unit in the name (_ms).
 *
 * THREADS
 * - cm_session_frame() is called from one renderer thread per session; it and
 *   cm_session_may_render() are lock-free and allocation-free (an atomic load, a coarse
 *   clock read, an atomic store): call them every frame.
 * - Every other call is thread-safe, except that a handle must not be freed while another
 *   thread still uses it.
 * - Each client has two background threads. The "scheduler thread" does all network and
 *   journal I/O (heartbeats, events, releases), calls a cm_transport and a token provider,
 *   and writes most log lines. The "callback thread" runs every session callback (state
 *   changes, balance, low balance, rejected events), in order per session; a callback that
 *   blocks delays the client's other callbacks, never a heartbeat. Callbacks never run under
 *   an SDK lock: any cm_* call is allowed inside one (stop, pause, free of the session, even
 *   cm_client_free). cm_client_flush() inside a callback returns CM_INCOMPLETE at once
 *   (it would otherwise wait on itself).
 * - After cm_session_free() returns, no callback of that session runs (it waits for one
 *   running on another thread; from inside the callback itself it returns at once).
 * - After fork(), a child must create its own client: calls on an inherited one return
 *   CM_E_INVALID_ARGUMENT.
 */
#ifndef CREDITMETER_H
#define CREDITMETER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "creditmeter/export.h"
#include "creditmeter/version.h" /* CREDITMETER_VERSION_MAJOR/MINOR/PATCH/STRING */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status and errors */

/* Fixed values: never renumbered, new ones only appended. */
typedef enum cm_status {
  CM_OK = 0,

  /* Errors: 1..99. */
  CM_E_AUTHENTICATION = 1,       /* API secret refused or revoked, or token provider refused */
  CM_E_INSUFFICIENT_CREDITS = 2, /* the balance is zero or below: top up */
  CM_E_CONCURRENCY_LIMIT = 3,    /* the plan's concurrent-session limit is reached */
  CM_E_NETWORK = 4,              /* unreachable, timeout, TLS failure, 5xx, 429, bad answer */
  CM_E_INVALID_ARGUMENT = 5,     /* NULL, bad struct_size, bad option, client unusable */
  CM_E_OUT_OF_MEMORY = 6,        /* an allocation failed */
  CM_E_SERVER = 7,               /* the server refused the request for another reason */
  CM_E_INTERNAL = 8,             /* an unexpected failure inside the library (a bug) */

  /* Non-error outcomes: 100 and up. */
  CM_INCOMPLETE = 100 /* flush: not everything was acknowledged in time (or called from a
                         callback); the usage stays queued and is delivered later */
} cm_status;

/* True for the error values (1..99); false for CM_OK and the non-error outcomes. */
#define CM_STATUS_IS_ERROR(status) ((int)(status) > 0 && (int)(status) < 100)

/* The status's name and meaning, e.g. "CM_E_NETWORK: the server could not be reached".
 * A static string (never free it); unknown values give "unknown status". */
CREDITMETER_API const char *cm_status_str(cm_status status);

/* The message of the latest call on THIS thread that returned an error status (what
 * happened and what to do; never a secret or token), or "" when there was none. Owned by
 * the library (thread-local storage): valid until the next failing cm_* call on this
 * thread. Copy it if you keep it. Successful calls leave it unchanged. */
CREDITMETER_API const char *cm_last_error(void);

/* More about that same error, when a server answered it (all three are reset by every
 * failing call on this thread, like cm_last_error()):
 * - cm_last_error_http_status(): the HTTP status of the answer (e.g. 429, 402, or 200 for an
 *   unreadable 200), 0 when there was no answer (unreachable, timeout, bad argument).
 * - cm_last_error_retry_after_ms(): how long the server asked to wait (its Retry-After, on
 *   a 429 or 503), 0 when it did not say. Wait at least this long before starting again.
 * - cm_last_error_code(): the server's UPPER_SNAKE error code ("RATE_LIMITED",
 *   "INSUFFICIENT_BALANCE"), "" when none; thread-local, valid as cm_last_error(). */
CREDITMETER_API int cm_last_error_http_status(void);
CREDITMETER_API uint32_t cm_last_error_retry_after_ms(void);
CREDITMETER_API const char *cm_last_error_code(void);

/* The library's version, "MAJOR.MINOR.PATCH" (static string). Compare with
 * CREDITMETER_VERSION_STRING to detect a header/library mismatch. */
CREDITMETER_API const char *cm_version(void);

/* ---------------------------------------------------------------- enums */

/* Fixed values. Precedence, highest first: stopped > paused_by_user > paused_billing >
 * paused_offline > active. Only CM_STATE_ACTIVE renders and bills. */
typedef enum cm_session_state {
  CM_STATE_ACTIVE = 0,
  CM_STATE_PAUSED_BY_USER = 1,
  CM_STATE_PAUSED_BILLING = 2,
  CM_STATE_PAUSED_OFFLINE = 3,
  CM_STATE_STOPPED = 4
} cm_session_state;

/* Fixed values: why a session changed state. */
typedef enum cm_reason {
  CM_REASON_NONE = 0,                  /* back to active: the server answered 2xx again */
  CM_REASON_USER = 1,                  /* cm_session_pause() / cm_session_resume() */
  CM_REASON_INSUFFICIENT_CREDITS = 2,  /* 402: top up to resume */
  CM_REASON_AUTHENTICATION_FAILED = 3, /* 401/403: key revoked or token refused */
  CM_REASON_OFFLINE = 4,               /* the server is unreachable */
  CM_REASON_GRACE_EXPIRED = 5,         /* offline longer than the server's grace */
  CM_REASON_SPEND_CAP = 6,             /* a spending cap was reached (paused_billing) */
  CM_REASON_JOURNAL_FULL = 7,          /* the usage journal is full (paused_billing) */
  CM_REASON_STOPPED = 8                /* cm_session_stop() or the client shut down */
} cm_reason;

/* Fixed values. */
typedef enum cm_log_level {
  CM_LOG_DEBUG = 0,
  CM_LOG_INFO = 1,
  CM_LOG_WARNING = 2,
  CM_LOG_ERROR = 3
} cm_log_level;

/* Names as the C++ to_string() gives them: "active", "paused_by_user", ...; "none",
 * "user", "insufficient_credits", ...; "debug", "info", "warning", "error". Static strings;
 * unknown values give "unknown". */
CREDITMETER_API const char *cm_session_state_str(cm_session_state state);
CREDITMETER_API const char *cm_reason_str(cm_reason reason);
CREDITMETER_API const char *cm_log_level_str(cm_log_level level);

/* ---------------------------------------------------------------- callbacks */

typedef struct cm_client cm_client;
typedef struct cm_session cm_session;

/* A log line. Runs on any SDK thread (mostly the scheduler thread; on the calling thread
 * for messages of start/flush/credit-summary calls). `message` is valid during the call
 * only and never contains the API secret or a token. Keep it quick and non-blocking. */
typedef void (*cm_log_fn)(cm_log_level level, const char *message, void *user_data);

/* Secretless mode (apps that must not hold the API secret). The library passes a session id
 * and a sink; the provider obtains, from the app's own backend, the body of the
 * `POST /v1/runtime-tokens/request` answer for that session id (the backend holds the
 * secret), hands it over with cm_token_sink_set(sink, body) and returns CM_OK. Any other
 * return value (or returning CM_OK without setting the sink) refuses: the start fails with
 * CM_E_AUTHENTICATION, a renewal on the scheduler thread counts as offline and is retried.
 * A refusal the backend got may be handed over unchanged (the error body of a 402, 401, 403,
 * 5xx): the start then fails with its status (CM_E_INSUFFICIENT_CREDITS for a 402, ...; see
 * cm_last_error_http_status() and cm_last_error_code()), a renewal refused with a 401 or a
 * 403 KEY_REVOKED pauses billing (CM_REASON_AUTHENTICATION_FAILED).
 * Runs on the thread calling cm_client_start_session() for a start, and on the scheduler
 * thread for re-attach and recovery; it may block (a network call to the backend).
 * `session_id` and `sink` are valid during the call only. */
typedef struct cm_token_sink cm_token_sink;
typedef cm_status (*cm_token_provider_fn)(const char *session_id, cm_token_sink *sink, void *user_data);

/* Gives the token-exchange answer (a JSON body, UTF-8, NUL-terminated) to the library,
 * which copies it. Call it only inside the provider, on the sink it was given. Calling it
 * again replaces the body. CM_E_INVALID_ARGUMENT for a NULL sink or body. */
CREDITMETER_API cm_status cm_token_sink_set(cm_token_sink *sink, const char *body);

/* ---------------------------------------------------------------- the app's own HTTP stack */

/* An app that wants its requests to go through the platform's HTTP stack (URLSession,
 * OkHttp: the OS's proxies, VPN, certificate store and pinning) sets transport_send in
 * cm_client_options. Every request then goes through it (token exchange, heartbeats,
 * releases, credit summary, recovery) and libcurl is unused; the library keeps all of its
 * logic (idempotency keys, retries, Retry-After, grace, journal, re-attach, flush and
 * shutdown deadlines): the transport only carries bytes. docs/INTEGRATION.md, "Mobile".
 *
 * SECURITY: the request's headers carry the API secret or a session token
 * ("Authorization: ..."). Keep them out of your HTTP stack's logging (OkHttp's
 * HttpLoggingInterceptor, URLSession metrics, proxies' logs). */

/* One request. Every pointer is valid during the send call only: copy what you keep. */
typedef struct cm_http_request {
  size_t struct_size;         /* sizeof(cm_http_request) of the library */
  const char *method;         /* "GET" or "POST" */
  const char *url;            /* absolute */
  const char *const *headers; /* "Name: value" strings, NULL-terminated */
  const char *body;           /* body_len bytes (not NUL-terminated); "" for GET */
  size_t body_len;
  uint32_t timeout_ms;        /* complete or fail the call within this */
} cm_http_request;

/* One request in flight. The app owns it from send until it calls cm_transport_complete()
 * or cm_transport_fail() on it, exactly once: that call frees it (also after a cancel). */
typedef struct cm_transport_call cm_transport_call;

/* Starts `request` and returns; deliver the answer later with cm_transport_complete() (or
 * inside this call). Runs on the scheduler thread, or for the synchronous calls
 * (cm_client_start_session, cm_client_credit_summary, cm_client_estimate) on the calling
 * thread, which blocks until the call completes or times out: do not deliver that
 * completion on the blocked thread (an iOS main-queue delegate would deadlock). Never called
 * under a library lock. Do not follow redirects: pass a 3xx on as it is. */
typedef void (*cm_transport_send_fn)(const cm_http_request *request, cm_transport_call *call,
                                     void *user_data);

/* Optional: the library gave up on `call` (its timeout passed: taken as offline and
 * retried; or the client is shutting down). Stop the transfer if you can; still complete or
 * fail the call once (the answer is ignored; that frees it). Runs on the thread that gave up
 * (scheduler or caller), never under a library lock; `call` is valid during it. */
typedef void (*cm_transport_cancel_fn)(cm_transport_call *call, void *user_data);

/* The server answered. `headers`: "Name: value" strings, NULL-terminated, or NULL (the
 * library reads Retry-After); `body`: body_len bytes (NULL when body_len is 0). Everything
 * is copied. From any thread, once per call; frees `call`. A completion after the call
 * timed out or after the client was freed returns CM_OK and is ignored.
 * CM_E_INVALID_ARGUMENT: NULL call (nothing freed), or NULL body with body_len > 0 (the
 * call then fails as offline and is freed). */
CREDITMETER_API cm_status cm_transport_complete(cm_transport_call *call, int http_status,
                                                const char *const *headers, const char *body,
                                                size_t body_len);

/* No answer (DNS, connection, TLS, timeout): the library treats it as offline and retries.
 * `message` (may be NULL) says why, for the logs. From any thread, once per call; frees
 * `call`. Late calls are ignored as for cm_transport_complete(). CM_E_INVALID_ARGUMENT:
 * NULL call. */
CREDITMETER_API cm_status cm_transport_fail(cm_transport_call *call, const char *message);

/* One state transition, delivered once and in order. All fields are valid during the
 * callback only. */
typedef struct cm_state_change {
  size_t struct_size; /* set by the library: sizeof(cm_state_change) of the library */
  cm_session_state from;
  cm_session_state to;
  cm_reason reason;
  const char *message; /* human-readable, safe to show or log */
} cm_state_change;

/* Runs on the client's callback thread (for audio-only sessions, which have none: on the
 * thread that called pause/resume/stop/free), never under an SDK lock. `session` is the
 * handle the change belongs to: any cm_session_* call on it is allowed inside, including
 * cm_session_stop() and cm_session_free() (after a free, do not touch it again). */
typedef void (*cm_state_change_fn)(cm_session *session, const cm_state_change *change, void *user_data);

/* The account balance as a session learned it from the server (every heartbeat answer).
 * Valid during the callback only. (Since 0.2: credits.) */
typedef struct cm_balance_update {
  size_t struct_size;     /* set by the library: sizeof(cm_balance_update) of the library */
  double balance;         /* credits; negative is debt */
  double minutes_left;    /* of runtime at this session's rate (INFINITY when free) */
  double session_credits; /* credits charged for this session so far */

  /* ---- appended in 0.4 (present when struct_size covers it) */
  /* What balance and session_credits count in: "credits", or the account's currency ("USD"),
   * NUL-terminated (cm_session_stats.unit). */
  char unit[16];
} cm_balance_update;

/* on_balance (every change of the balance) and on_low_balance (once per downward crossing
 * of the low-balance threshold; again only after a top-up lifted the balance above it).
 * Same thread and re-entrancy rules as cm_state_change_fn: the callback thread, never
 * under an SDK lock, any cm_session_* call allowed inside. */
typedef void (*cm_balance_fn)(cm_session *session, const cm_balance_update *update, void *user_data);

/* A usage event (cm_session_record) the server refused for good (code e.g. "UNKNOWN_ACTION"):
 * not charged, not resent, counted as settled by cm_client_flush(). The strings are NUL-
 * terminated and valid during the callback only (copy what you keep). (Since 0.4.) */
typedef struct cm_rejected_event {
  size_t struct_size;   /* set by the library: sizeof(cm_rejected_event) of the library */
  const char *event_id; /* the id cm_session_record() gave */
  const char *action;
  double quantity;      /* as recorded (rounded to thousandths) */
  const char *code;     /* the server's code, e.g. "UNKNOWN_ACTION" */
  const char *message;  /* the server's words, printable */
} cm_rejected_event;

/* Runs on the client's callback thread, in order with the session's other callbacks, never
 * under an SDK lock; the library also logs a warning. Same re-entrancy rules as
 * cm_state_change_fn. */
typedef void (*cm_event_rejected_fn)(cm_session *session, const cm_rejected_event *event, void *user_data);

/* ---------------------------------------------------------------- client */

typedef struct cm_client_options {
  size_t struct_size; /* sizeof(cm_client_options): set by cm_client_options_init() */

  /* Server root, e.g. "https://api.example.com". NULL or "": env CREDITMETER_BASE_URL. */
  const char *base_url;
  /* The account's API secret. NULL or "": env CREDITMETER_API_SECRET. Not needed with a
   * token_provider. Wiped from the library's memory when the client is freed. */
  const char *api_secret;
  /* TLS: a PEM CA bundle file instead of the system store (Android: ship one), and
   * optional public-key pins, "sha256//<base64>;sha256//<base64>". NULL = none. */
  const char *ca_file;
  const char *pinned_public_key;
  /* Proxy URL. NULL or "": the standard variables (https_proxy, no_proxy, ...). */
  const char *proxy;
  /* Plain http:// is refused for hosts other than loopback unless this is true. */
  bool allow_insecure_http;
  /* Usage journal directory. NULL: $XDG_STATE_HOME/creditmeter (or
   * ~/.local/state/creditmeter); "": no journal. Mobile apps: pass their files directory. */
  const char *journal_dir;

  /* cm_client_free() stops the sessions and delivers usage for at most this long. */
  uint32_t shutdown_timeout_ms; /* default 2000; 0 allowed */
  uint32_t connect_timeout_ms;  /* default 5000; > 0 */
  uint32_t request_timeout_ms;  /* default 15000; > 0 */
  /* A gap between frames longer than this is idle time, never billed. */
  uint32_t idle_after_ms; /* default 1000; > 0 */

  /* Log sink. NULL: warnings and errors go to stderr. */
  cm_log_fn log;
  void *log_user_data;
  cm_log_level log_level; /* default CM_LOG_WARNING: lines below it are dropped */

  /* Secretless mode; NULL = use api_secret. */
  cm_token_provider_fn token_provider;
  void *token_provider_user_data;

  /* ---- appended in 0.2 (read only when struct_size covers them) */
  /* Spending cap over all of this client's sessions, in credits: each pauses
   * (CM_STATE_PAUSED_BILLING, CM_REASON_SPEND_CAP) before the client's charges would cross
   * it. NAN (the default) = no cap; otherwise >= 0. docs/CREDITS.md. */
  double max_credits;

  /* ---- appended in 0.3 */
  /* The app's own HTTP stack (see cm_transport_send_fn); NULL = libcurl. With it, ca_file,
   * pinned_public_key and proxy must be NULL (CM_E_INVALID_ARGUMENT: the app's stack owns
   * TLS and proxies). Required in a build without libcurl (CREDITMETER_WITH_CURL=OFF). No
   * send after cm_client_free() returns; transport_user_data must stay valid until then. */
  cm_transport_send_fn transport_send;
  cm_transport_cancel_fn transport_cancel; /* optional */
  void *transport_user_data;
  /* The fastest heartbeat a server may ask for (default 1000; > 0): a smaller
   * heartbeat_interval_s in its answer is raised to this and logged once. */
  uint32_t min_heartbeat_interval_ms;
} cm_client_options;
/* user_data lifetimes: log_user_data and token_provider_user_data must stay valid until
 * cm_client_free() AND cm_session_free() of every session of the client have returned
 * (sessions keep the client's core, and so its callbacks, alive). */

/* Fills *options with the defaults (all strings NULL, timeouts as documented above,
 * log_level CM_LOG_WARNING, max_credits NAN) and struct_size = sizeof(cm_client_options).
 * NULL: no-op. */
CREDITMETER_API void cm_client_options_init(cm_client_options *options);

/* The usage journal's directory that a client without journal_dir (NULL) uses, as the
 * environment gives it now: $XDG_STATE_HOME/creditmeter, else ~/.local/state/creditmeter.
 * Returns its length in bytes (without the NUL), or 0 when this platform has no default state
 * directory (neither variable holds an absolute path, as on Android): such a client runs
 * without a journal (and logs a warning), so pass journal_dir there (an app's files directory,
 * or "" for no journal on purpose). Copies at most size - 1 bytes and a NUL into buf, like
 * snprintf (a return >= size means buf was too small); buf may be NULL when size is 0. Any
 * thread; for wrappers that must refuse a client without journal_dir where there is none. */
CREDITMETER_API size_t cm_default_journal_dir(char *buf, size_t size);

/* Creates a client: validates and copies the options (every string is copied). Makes no
 * network call and starts no thread. On success *out is the new client; on failure *out is
 * NULL and the status says why (CM_E_INVALID_ARGUMENT: missing base_url or api_secret,
 * malformed URL, http:// to a remote host, bad timeout, NULL options or out). */
CREDITMETER_API cm_status cm_client_new(const cm_client_options *options, cm_client **out);

/* Stops every session of the client, delivers their usage for at most
 * shutdown_timeout_ms, aborts what is still in flight (the journal keeps it) and frees the
 * client. Sessions stay valid handles (stopped) until their cm_session_free(). Allowed
 * inside a callback (the client's threads then end on their own). NULL: no-op. */
CREDITMETER_API void cm_client_free(cm_client *client);

/* Sends all unreported usage (releases included) and waits up to timeout_ms for the server
 * to acknowledge it. CM_OK: everything was acknowledged. CM_INCOMPLETE: not within the
 * timeout, or called from a callback (returns at once); nothing is lost, delivery goes on.
 * CM_E_INVALID_ARGUMENT: NULL client, or a client unusable here (after fork()). */
CREDITMETER_API cm_status cm_client_flush(cm_client *client, uint32_t timeout_ms);

/* Sets (>= 0) or removes (NAN) the spending cap over all sessions of the client; raising or
 * removing it resumes the sessions it held. CM_E_INVALID_ARGUMENT: NULL client or a
 * negative cap (INFINITY is accepted and never reached). */
CREDITMETER_API cm_status cm_client_set_max_credits(cm_client *client, double max_credits);

/* The OS's word on the network (NWPathMonitor on iOS, ConnectivityManager.NetworkCallback on
 * Android): true retries every waiting request at once (an avatar returns within a round
 * trip of the network coming back, not after its backoff); false holds retries to a slow
 * probe (every min(5 s, heartbeat interval): the OS can be wrong) until the next true.
 * Never blocks; any thread, also inside a callback. NULL client: no-op. */
CREDITMETER_API void cm_client_network_changed(cm_client *client, bool reachable);

/* Whole minutes of runtime the balance buys for `model` on `surface` (GET
 * /v2/credit-summaries, blocks up to the request timeout): the server's estimate when it sends
 * one, else floor(balance / rate) from the rate card (credits per active minute: essence/cloud
 * 2, expression/cloud 4, essence/self_hosted 1, expression/self_hosted 2, expression/on_device
 * 2). NULL model/surface: "essence"/"cloud". On success *minutes_out is the estimate (0 or
 * more; never negative). CM_E_INVALID_ARGUMENT for a pair neither the server nor the rate card
 * knows, NULL client or minutes_out; network/server errors as cm_client_credit_summary(). */
CREDITMETER_API cm_status cm_client_estimate(cm_client *client, const char *model, const char *surface,
                                             int64_t *minutes_out);

/* The sum over every session the client started (live and finished) of their stats. */
typedef struct cm_client_usage {
  size_t struct_size; /* set it (cm_client_usage_init) before cm_client_get_usage */
  uint64_t sessions;
  int64_t active_ms;
  int64_t reported_ms;
  double credits_charged;
  uint64_t heartbeats_ok;
  uint64_t heartbeats_failed;

  /* ---- appended in 0.4 (written only when struct_size covers them) */
  uint64_t events_recorded;     /* usage events recorded (cm_session_record) */
  uint64_t events_acknowledged; /* charged by the server (accepted, or a duplicate of one charged) */
  uint64_t events_rejected;     /* refused for good (see cm_rejected_event) */
  double events_credits_charged; /* the part of credits_charged usage events cost */
} cm_client_usage;

/* Zeroes *usage and sets struct_size = sizeof(cm_client_usage). NULL: no-op. */
CREDITMETER_API void cm_client_usage_init(cm_client_usage *usage);

/* Fills the fields of *usage that its struct_size covers (no network call).
 * CM_E_INVALID_ARGUMENT for NULL arguments or a bad struct_size. (Named _get_usage: in C the
 * type cm_client_usage and a function of the same name cannot coexist.) */
CREDITMETER_API cm_status cm_client_get_usage(const cm_client *client, cm_client_usage *usage);

/* ---------------------------------------------------------------- sessions */

typedef struct cm_session_options {
  size_t struct_size; /* sizeof(cm_session_options): set by cm_session_options_init() */
  /* Strings, so a model the server adds needs no SDK release. NULL = the default. */
  const char *model;   /* "essence" (default), "expression", ... */
  const char *surface; /* "cloud" (default), "self_hosted", "on_device" */
  /* Audio-only sessions are free: no network call, no thread, never billed. */
  bool audio_only;
  /* Optional caller-chosen id: 1-128 of [A-Za-z0-9._:-]. NULL or "": a random UUID. */
  const char *session_id;
  /* State-change callback, given here so that no transition can be missed. NULL = none. */
  cm_state_change_fn on_state_change;
  void *user_data; /* passed to on_state_change; must stay valid until cm_session_free() */

  /* ---- appended in 0.2 (read only when struct_size covers them). docs/CREDITS.md */
  /* Balance callbacks (NULL = none). Both get balance_user_data (not user_data), which must
   * stay valid until cm_session_free(). */
  cm_balance_fn on_balance;
  cm_balance_fn on_low_balance;
  void *balance_user_data;
  /* Low-balance threshold: low_balance_credits when it is not NAN, else low_balance_minutes
   * of runtime at this session's rate. Defaults: 5 minutes, NAN. */
  double low_balance_minutes;
  double low_balance_credits;
  /* Spending cap for this session, in credits: it pauses (CM_STATE_PAUSED_BILLING,
   * CM_REASON_SPEND_CAP) before its charges would cross it. NAN (default) = no cap. */
  double max_credits;

  /* ---- appended in 0.4 (read only when struct_size covers them) */
  /* A usage event the server refused for good (NULL = none; the library logs a warning
   * anyway). Gets event_rejected_user_data, which must stay valid until cm_session_free(). */
  cm_event_rejected_fn on_event_rejected;
  void *event_rejected_user_data;
} cm_session_options;

/* Fills *options with the defaults (model "essence", surface "cloud", not audio-only, no
 * id, no callbacks, low_balance_minutes 5, low_balance_credits and max_credits NAN) and
 * struct_size = sizeof(cm_session_options). NULL: no-op. */
CREDITMETER_API void cm_session_options_init(cm_session_options *options);

/* Starts a session: the synchronous runtime-token exchange (blocks up to the request
 * timeout; none for audio-only sessions). options may be NULL: the defaults. On success
 * *out is the new session, active; on failure *out is NULL, nothing was charged and no
 * thread started: CM_E_AUTHENTICATION, CM_E_INSUFFICIENT_CREDITS, CM_E_CONCURRENCY_LIMIT,
 * CM_E_NETWORK, CM_E_SERVER or CM_E_INVALID_ARGUMENT (bad model/surface/session_id, NULL
 * client or out, a freed client). */
CREDITMETER_API cm_status cm_client_start_session(cm_client *client, const cm_session_options *options,
                                                  cm_session **out);

/* Once per rendered frame, from the renderer thread. Lock-free, never blocks, never
 * allocates. NULL: no-op. */
CREDITMETER_API void cm_session_frame(cm_session *session);

/* Whether the avatar may render now (state is active). One atomic load, lock-free.
 * NULL: false. */
CREDITMETER_API bool cm_session_may_render(const cm_session *session);

/* Pause (paused_by_user until resume), resume (active at once unless billing or
 * connectivity still holds the session), stop (final: the scheduler sends the release with
 * the final usage right away). Thread-safe; no network or disk I/O; return at once. The
 * transition is announced through the state-change callback. CM_E_INVALID_ARGUMENT for
 * NULL. Stopping a stopped session is CM_OK. */
CREDITMETER_API cm_status cm_session_pause(cm_session *session);
CREDITMETER_API cm_status cm_session_resume(cm_session *session);
CREDITMETER_API cm_status cm_session_stop(cm_session *session);

/* The session's current state and the reason of its latest transition. NULL:
 * CM_STATE_STOPPED and CM_REASON_NONE. */
CREDITMETER_API cm_session_state cm_session_get_state(const cm_session *session);
CREDITMETER_API cm_reason cm_session_get_reason(const cm_session *session);

/* The session id (the server's, a UUID unless you chose one). Owned by the session: valid
 * until cm_session_free(). NULL: "". */
CREDITMETER_API const char *cm_session_id(const cm_session *session);

/* Usage counters; live: current to the last frame. */
typedef struct cm_session_stats {
  size_t struct_size;         /* set it (cm_session_stats_init) before cm_session_get_stats */
  int64_t active_ms;          /* active time metered so far */
  int64_t reported_ms;        /* active time the server has acknowledged */
  double credits_charged;     /* credits the server charged for this session */
  double balance;             /* the account balance in the latest answer (credits) */
  uint64_t heartbeats_ok;     /* heartbeats and releases answered 2xx */
  uint64_t heartbeats_failed; /* attempts that failed (offline, 5xx, 4xx) */
  int64_t grace_remaining_ms; /* time left before an outage pauses rendering */

  /* ---- appended in 0.2 (written only when struct_size covers them) */
  double minutes_left;         /* runtime the balance buys at this session's rate (INFINITY: free) */
  uint64_t heartbeats_retried; /* resends of a heartbeat or release already sent once */
  cm_reason last_error_reason; /* what the latest failed attempt means for billing; NONE if none */
  /* The latest failed attempt's message, NUL-terminated, truncated to fit; "" when none.
   * A copy inside your struct: valid as long as the struct. */
  char last_error[256];

  /* ---- appended in 0.4 (written only when struct_size covers them) */
  uint64_t events_recorded;     /* usage events recorded */
  uint64_t events_acknowledged; /* charged by the server (accepted or duplicates) */
  uint64_t events_rejected;     /* refused for good */
  uint64_t events_pending;      /* recorded, not settled yet */
  /* What credits_charged and balance count in: "credits", or the account's currency ("USD"),
   * NUL-terminated. */
  char unit[16];
  /* The part of credits_charged the usage events cost (duplicates included), in unit;
   * credits_charged - events_credits_charged is what active time cost. */
  double events_credits_charged;
} cm_session_stats;

/* Zeroes *stats and sets struct_size = sizeof(cm_session_stats). NULL: no-op. */
CREDITMETER_API void cm_session_stats_init(cm_session_stats *stats);

/* Fills the fields of *stats that its struct_size covers. CM_E_INVALID_ARGUMENT for NULL
 * arguments or a bad struct_size. */
CREDITMETER_API cm_status cm_session_get_stats(const cm_session *session, cm_session_stats *stats);

/* Replaces the state-change callback (NULL removes it); user_data as in
 * cm_session_options. Takes effect for the next transition delivered. */
CREDITMETER_API cm_status cm_session_set_state_callback(cm_session *session, cm_state_change_fn callback,
                                                        void *user_data);

/* Replaces both balance callbacks and their user_data (NULL removes one); see
 * cm_session_options. Takes effect for the next update delivered. */
CREDITMETER_API cm_status cm_session_set_balance_callbacks(cm_session *session, cm_balance_fn on_balance,
                                                           cm_balance_fn on_low_balance, void *user_data);

/* A usage event: `quantity` units of `action` (e.g. "llm_gpt4", 1.0; "tts_seconds", 12.5),
 * charged at the account's price (docs/CREDITS.md). Any thread; never blocks on I/O: the
 * event is kept in memory, journaled within 100 ms and sent in a batch. event_id (may be NULL)
 * receives the event's id, a NUL-terminated UUID (36 characters) that never changes.
 * CM_E_INVALID_ARGUMENT: NULL session or action, an empty action or one over 64 bytes, a
 * quantity that is NaN, infinite, negative or over 1e12, a stopped session (record before
 * cm_session_stop()), an audio-only session (free and offline). (Since 0.4.) */
CREDITMETER_API cm_status cm_session_record(cm_session *session, const char *action, double quantity,
                                            char event_id[37]);

/* Replaces the rejected-event callback and its user_data (NULL removes it); see
 * cm_session_options. Takes effect for the next rejection delivered. (Since 0.4.) */
CREDITMETER_API cm_status cm_session_set_event_rejected_callback(cm_session *session, cm_event_rejected_fn callback,
                                                                 void *user_data);

/* Sets (>= 0) or removes (NAN) this session's spending cap; raising or removing it resumes a
 * session the cap held. CM_E_INVALID_ARGUMENT: NULL session or a negative cap. */
CREDITMETER_API cm_status cm_session_set_max_credits(cm_session *session, double max_credits);

/* Stops the session (if not stopped), waits for a callback of it running on another thread,
 * and frees the handle: after it returns no callback of this session runs. The release is
 * still delivered by the client. Allowed inside the session's own callback. NULL: no-op. */
CREDITMETER_API void cm_session_free(cm_session *session);

/* ---------------------------------------------------------------- credit summary */

typedef struct cm_estimated_minutes {
  const char *key; /* "<model>_<surface>", e.g. "essence_cloud" */
  int64_t minutes; /* whole minutes of that kind the balance buys */
} cm_estimated_minutes;

/* Allocated by the library in one block with everything it points to; free it with
 * cm_credit_summary_free(). Read struct_size before reading fields added by later versions. */
typedef struct cm_credit_summary {
  size_t struct_size; /* sizeof(cm_credit_summary) of the library that made it */
  double balance;     /* credits; negative is debt that a top-up pays first */
  const char *plan;   /* e.g. "creator"; never NULL ("" when unknown) */
  const char *renews_at; /* RFC 3339; never NULL ("" when unknown) */
  double plan_credits;
  double topup_credits;
  size_t estimated_minutes_count;
  const cm_estimated_minutes *estimated_minutes; /* sorted by key; NULL when count is 0 */
  /* ---- appended in 0.4 (present when struct_size covers it) */
  /* What balance and the credits count in: "credits", or the account's currency ("USD"). */
  char unit[16];
} cm_credit_summary;

/* GET /v2/credit-summaries (blocks up to the request timeout). On success *out is a new
 * summary, owned by the caller; on failure *out is NULL. Errors as
 * cm_client_start_session(); CM_E_INVALID_ARGUMENT in secretless mode (no API secret). */
CREDITMETER_API cm_status cm_client_credit_summary(cm_client *client, cm_credit_summary **out);

/* Frees a summary and all its strings. NULL: no-op. */
CREDITMETER_API void cm_credit_summary_free(cm_credit_summary *summary);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CREDITMETER_H */
