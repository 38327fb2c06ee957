/* A tiny test harness in C for the C ABI tests: assertions, a creditmeter-emulator process on
 * a free loopback port, and its admin API over libcurl. */
#ifndef CM_TEST_H
#define CM_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- assertions: CHECK records a failure and goes on; REQUIRE ends the test case. */

extern int cm_test_failures;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
      ++cm_test_failures;                                                            \
    }                                                                                \
  } while (0)

#define REQUIRE(cond)                                                                \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);   \
      ++cm_test_failures;                                                            \
      return;                                                                        \
    }                                                                                \
  } while (0)

/* Compares two cm_status values and prints both, with cm_last_error(), when they differ. */
#define CHECK_STATUS(expr, expected) cm_test_check_status((expr), (expected), #expr, __FILE__, __LINE__)
bool cm_test_check_status(int got, int expected, const char *expr, const char *file, int line);

/* ---- the runner: named test cases; `prog --list` prints the names (ctest discovery),
 * `prog name...` runs those, no argument runs all. Hermetic: no server or secret from the
 * environment, never a proxy to 127.0.0.1. Returns main's exit status. */

typedef struct cm_test_case {
  const char *name;
  void (*run)(void);
} cm_test_case;

int cm_test_main(int argc, char **argv, const cm_test_case *cases, size_t n);

/* ---- time */

int64_t cm_test_now_ms(void); /* CLOCK_MONOTONIC */
void cm_test_sleep_ms(int64_t ms);

/* A simulated 25 fps renderer on the calling thread, gated on may_render(), for duration_ms.
 * Returns the time it rendered: first to last frame of each unbroken active stretch. */
struct cm_session;
int64_t cm_test_render(struct cm_session *session, int64_t duration_ms);

/* cm_client_options_init(), plus the test app's transport (test_transport.h) when the library
 * is built without libcurl (CM_TEST_APP_TRANSPORT). */
struct cm_client_options;
void cm_test_options_init(struct cm_client_options *options);
/* A client of `base_url` with `secret`, no journal, a 2 s connect timeout; NULL (and a failed
 * check) when it cannot be made. */
struct cm_client;
struct cm_client *cm_test_new_client(const char *base_url, const char *secret);

/* ---- the emulator */

typedef struct cm_emulator {
  int pid;
  int port;
  char dir[256];
  char base_url[64];
} cm_emulator;

/* Spawns creditmeter-emulator (env CREDITMETER_EMULATOR, else the path compiled in) on
 * 127.0.0.1 with a free port and waits until it listens. false on failure. */
bool cm_emulator_start(cm_emulator *emu);
void cm_emulator_stop(cm_emulator *emu);

/* An admin call (method "GET"/"POST"/"DELETE", path "/admin/...", JSON body or NULL). The
 * answer's body goes to `out` (NUL-terminated, truncated to out_size) when out is not NULL.
 * Returns the HTTP status, 0 on a transport error. */
int cm_emulator_admin(const cm_emulator *emu, const char *method, const char *path, const char *body, char *out,
                      size_t out_size);

/* POST /admin/accounts; max_concurrent < 0 = the plan's limit. true on 2xx. */
bool cm_emulator_create_account(const cm_emulator *emu, const char *secret, const char *plan, double balance,
                                int max_concurrent);
/* POST /admin/config {heartbeat_interval_s, offline_grace_s}. */
bool cm_emulator_configure(const cm_emulator *emu, double heartbeat_interval_s, double offline_grace_s);
/* The ledger's active_ms of that session, -1 when the ledger does not know it. */
int64_t cm_emulator_ledger_active_ms(const cm_emulator *emu, const char *session_id);

/* POST <base_url>/v1/runtime-tokens/request with header api-secret: what an app's backend
 * does in secretless mode. The body of the answer goes to out; returns the HTTP status. */
int cm_emulator_token_request(const cm_emulator *emu, const char *secret, const char *session_id, char *out,
                              size_t out_size);

/* A secret unique to this process and call: "sk_c_<name>_<pid>_<n>". */
void cm_test_secret(char *out, size_t size, const char *name);

/* A loopback port where nothing listens (bound and closed again). */
int cm_test_closed_port(void);

#endif /* CM_TEST_H */
