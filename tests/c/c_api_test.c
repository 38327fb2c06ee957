/* Tests of the C ABI (creditmeter.h), written in C11 and run against a real
 * creditmeter-emulator. One executable, one test case per argument:
 *   creditmeter_c_tests <case>...   (no argument: every case)
 * ctest runs each case as its own test, c_<case>. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <creditmeter/creditmeter.h>

#include "cm_test.h"

/* ------------------------------------------------------------------------- helpers */

/* Records the state changes a session's callback receives (user_data). */
typedef struct recorder {
  int magic; /* proves user_data arrives as given */
  pthread_mutex_t mutex;
  pthread_t main_thread;
  int count;
  cm_session_state to[64];
  cm_reason reason[64];
  bool on_main_thread;
  bool bad_user_data;
  bool bad_struct;

  /* Re-entrancy: what the callback does when the session reaches paused_by_user. */
  enum { REENTER_NONE, REENTER_FLUSH_STOP, REENTER_FREE_SESSION, REENTER_FREE_CLIENT } reenter;
  cm_client *client;
  cm_status flush_status;
  int64_t flush_ms;
  cm_status stop_status;
  cm_session_state state_inside;
  bool reentered;
} recorder;

#define RECORDER_MAGIC 0x5eed

static void recorder_init(recorder *r) {
  memset(r, 0, sizeof *r);
  r->magic = RECORDER_MAGIC;
  pthread_mutex_init(&r->mutex, NULL);
  r->main_thread = pthread_self();
  r->flush_status = (cm_status)-1;
  r->stop_status = (cm_status)-1;
}

static void recorder_destroy(recorder *r) { pthread_mutex_destroy(&r->mutex); }

static void on_state_change(cm_session *session, const cm_state_change *change, void *user_data) {
  recorder *r = (recorder *)user_data;
  if (r == NULL || r->magic != RECORDER_MAGIC) {
    fprintf(stderr, "state-change callback: wrong user_data %p\n", user_data);
    return;
  }
  pthread_mutex_lock(&r->mutex);
  if (change == NULL || change->struct_size < sizeof(cm_state_change) || change->message == NULL) r->bad_struct = true;
  if (r->count < 64 && change != NULL) {
    r->to[r->count] = change->to;
    r->reason[r->count] = change->reason;
  }
  ++r->count;
  if (pthread_equal(pthread_self(), r->main_thread)) r->on_main_thread = true;
  pthread_mutex_unlock(&r->mutex);

  if (change == NULL || change->to != CM_STATE_PAUSED_BY_USER) return;
  switch (r->reenter) {
    case REENTER_NONE: break;
    case REENTER_FLUSH_STOP: {
      const int64_t t0 = cm_test_now_ms();
      r->flush_status = cm_client_flush(r->client, 5000); /* would wait on itself: returns at once */
      r->flush_ms = cm_test_now_ms() - t0;
      r->stop_status = cm_session_stop(session);
      r->state_inside = cm_session_get_state(session);
      break;
    }
    case REENTER_FREE_SESSION: cm_session_free(session); break;
    case REENTER_FREE_CLIENT: cm_client_free(r->client); break;
  }
  pthread_mutex_lock(&r->mutex);
  r->reentered = true;
  pthread_mutex_unlock(&r->mutex);
}

/* Waits until the recorder saw a change to `state` (true) or timeout_ms passed (false). */
static bool wait_for_state(recorder *r, cm_session_state state, int64_t timeout_ms) {
  const int64_t deadline = cm_test_now_ms() + timeout_ms;
  for (;;) {
    bool seen = false;
    pthread_mutex_lock(&r->mutex);
    for (int i = 0; i < r->count && i < 64; ++i) seen = seen || r->to[i] == state;
    pthread_mutex_unlock(&r->mutex);
    if (seen) return true;
    if (cm_test_now_ms() > deadline) return false;
    cm_test_sleep_ms(5);
  }
}

static bool wait_reentered(recorder *r, int64_t timeout_ms) {
  const int64_t deadline = cm_test_now_ms() + timeout_ms;
  for (;;) {
    pthread_mutex_lock(&r->mutex);
    const bool done = r->reentered;
    pthread_mutex_unlock(&r->mutex);
    if (done) return true;
    if (cm_test_now_ms() > deadline) return false;
    cm_test_sleep_ms(5);
  }
}

typedef struct log_sink {
  pthread_mutex_t mutex;
  int lines;
  bool leaked_secret;
  const char *secret;
} log_sink;

static void on_log(cm_log_level level, const char *message, void *user_data) {
  log_sink *sink = (log_sink *)user_data;
  (void)level;
  pthread_mutex_lock(&sink->mutex);
  ++sink->lines;
  if (sink->secret != NULL && strstr(message, sink->secret) != NULL) sink->leaked_secret = true;
  pthread_mutex_unlock(&sink->mutex);
}

/* ------------------------------------------------------------------------- cases */

/* Every misuse gives CM_E_INVALID_ARGUMENT (or the documented default), never a crash. No
 * server needed: nothing here reaches the network. */
static void test_invalid_arguments(void) {
  cm_client_options o;
  cm_session_options so;
  cm_session_stats stats;
  cm_client *client = (cm_client *)0x1;
  cm_session *session = (cm_session *)0x1;
  cm_credit_summary *summary = (cm_credit_summary *)0x1;

  /* Version and strings. */
  CHECK(strcmp(cm_version(), CREDITMETER_VERSION_STRING) == 0);
  CHECK(strncmp(cm_status_str(CM_OK), "CM_OK", 5) == 0);
  CHECK(strncmp(cm_status_str(CM_E_AUTHENTICATION), "CM_E_AUTHENTICATION", 19) == 0);
  CHECK(strncmp(cm_status_str(CM_E_INSUFFICIENT_CREDITS), "CM_E_INSUFFICIENT_CREDITS", 25) == 0);
  CHECK(strncmp(cm_status_str(CM_E_CONCURRENCY_LIMIT), "CM_E_CONCURRENCY_LIMIT", 22) == 0);
  CHECK(strncmp(cm_status_str(CM_E_NETWORK), "CM_E_NETWORK", 12) == 0);
  CHECK(strncmp(cm_status_str(CM_E_INVALID_ARGUMENT), "CM_E_INVALID_ARGUMENT", 21) == 0);
  CHECK(strncmp(cm_status_str(CM_E_OUT_OF_MEMORY), "CM_E_OUT_OF_MEMORY", 18) == 0);
  CHECK(strncmp(cm_status_str(CM_E_SERVER), "CM_E_SERVER", 11) == 0);
  CHECK(strncmp(cm_status_str(CM_E_INTERNAL), "CM_E_INTERNAL", 13) == 0);
  CHECK(strncmp(cm_status_str(CM_INCOMPLETE), "CM_INCOMPLETE", 13) == 0);
  CHECK(strcmp(cm_status_str((cm_status)4242), "unknown status") == 0);
  /* The fixed values. */
  CHECK(CM_OK == 0 && CM_E_AUTHENTICATION == 1 && CM_E_INSUFFICIENT_CREDITS == 2 && CM_E_CONCURRENCY_LIMIT == 3 &&
        CM_E_NETWORK == 4 && CM_E_INVALID_ARGUMENT == 5 && CM_E_OUT_OF_MEMORY == 6 && CM_E_SERVER == 7 &&
        CM_E_INTERNAL == 8 && CM_INCOMPLETE == 100);
  CHECK(CM_STATUS_IS_ERROR(CM_E_NETWORK) && !CM_STATUS_IS_ERROR(CM_OK) && !CM_STATUS_IS_ERROR(CM_INCOMPLETE));
  CHECK(strcmp(cm_session_state_str(CM_STATE_PAUSED_BILLING), "paused_billing") == 0);
  CHECK(strcmp(cm_reason_str(CM_REASON_GRACE_EXPIRED), "grace_expired") == 0);
  CHECK(strcmp(cm_log_level_str(CM_LOG_WARNING), "warning") == 0);
  CHECK(strcmp(cm_session_state_str((cm_session_state)99), "unknown") == 0);
  {
    /* No enumerator, including values a narrower enum of the library would wrap around to one
     * (256 is 0 in 8 bits). */
    const int outside[] = {-1, 9, 99, 256, 257, 1 << 20};
    size_t i;
    for (i = 0; i < sizeof outside / sizeof outside[0]; ++i) {
      CHECK(strcmp(cm_session_state_str((cm_session_state)outside[i]), "unknown") == 0);
      CHECK(strcmp(cm_reason_str((cm_reason)outside[i]), "unknown") == 0);
      CHECK(strcmp(cm_log_level_str((cm_log_level)outside[i]), "unknown") == 0);
    }
  }

  /* NULL handles and out pointers. */
  cm_client_options_init(NULL);
  cm_session_options_init(NULL);
  cm_session_stats_init(NULL);
  cm_test_options_init(&o);
  CHECK(o.struct_size == sizeof o && o.base_url == NULL && o.idle_after_ms == 1000 && o.log_level == CM_LOG_WARNING);
  CHECK_STATUS(cm_client_new(NULL, &client), CM_E_INVALID_ARGUMENT);
  CHECK(client == NULL);
  CHECK(cm_last_error()[0] != '\0');
  CHECK_STATUS(cm_client_new(&o, NULL), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_client_flush(NULL, 10), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_client_start_session(NULL, NULL, &session), CM_E_INVALID_ARGUMENT);
  CHECK(session == NULL);
  CHECK_STATUS(cm_client_credit_summary(NULL, &summary), CM_E_INVALID_ARGUMENT);
  CHECK(summary == NULL);
  CHECK_STATUS(cm_session_pause(NULL), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_resume(NULL), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_stop(NULL), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_get_stats(NULL, &stats), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_set_state_callback(NULL, on_state_change, NULL), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_token_sink_set(NULL, "{}"), CM_E_INVALID_ARGUMENT);
  cm_session_frame(NULL);
  CHECK(!cm_session_may_render(NULL));
  CHECK(cm_session_get_state(NULL) == CM_STATE_STOPPED);
  CHECK(cm_session_get_reason(NULL) == CM_REASON_NONE);
  CHECK(strcmp(cm_session_id(NULL), "") == 0);
  cm_session_free(NULL);
  cm_client_free(NULL);
  cm_credit_summary_free(NULL);

  /* struct_size: 0, too small, too large. */
  o.base_url = "http://127.0.0.1:9";
  o.api_secret = "sk_invalid_args";
  o.journal_dir = "";
  o.struct_size = 0;
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  CHECK(strstr(cm_last_error(), "struct_size") != NULL);
  o.struct_size = sizeof(size_t) + sizeof(const char *);
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.struct_size = sizeof o + 8;
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.struct_size = sizeof o;

  /* Invalid option values. */
  o.log_level = (cm_log_level)17;
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.log_level = CM_LOG_WARNING;
  o.connect_timeout_ms = 0;
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.connect_timeout_ms = 5000;
  o.base_url = "not a url";
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.base_url = "http://example.com"; /* plain http to a remote host */
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.base_url = NULL; /* and no CREDITMETER_BASE_URL in the environment */
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.base_url = "http://127.0.0.1:9";
  o.api_secret = NULL; /* no secret, no env, no token provider */
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.api_secret = "sk_with_newline\n";
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  CHECK(strstr(cm_last_error(), "sk_with_newline") == NULL); /* never the secret */
  o.api_secret = "sk_invalid_args";
  CHECK(client == NULL);

  /* A valid client (port 9: nothing listens; nothing below reaches it). */
  REQUIRE(CHECK_STATUS(cm_client_new(&o, &client), CM_OK));
  REQUIRE(client != NULL);
  CHECK_STATUS(cm_client_start_session(client, NULL, NULL), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_client_credit_summary(client, NULL), CM_E_INVALID_ARGUMENT);

  cm_session_options_init(&so);
  CHECK(so.struct_size == sizeof so && strcmp(so.model, "essence") == 0 && strcmp(so.surface, "cloud") == 0);
  so.struct_size = 4;
  CHECK_STATUS(cm_client_start_session(client, &so, &session), CM_E_INVALID_ARGUMENT);
  CHECK(session == NULL);
  so.struct_size = sizeof so;
  so.model = "";
  CHECK_STATUS(cm_client_start_session(client, &so, &session), CM_E_INVALID_ARGUMENT);
  so.model = "essence";
  so.surface = "no spaces allowed";
  CHECK_STATUS(cm_client_start_session(client, &so, &session), CM_E_INVALID_ARGUMENT);
  so.surface = NULL; /* NULL = the default */
  so.session_id = "bad id with spaces";
  CHECK_STATUS(cm_client_start_session(client, &so, &session), CM_E_INVALID_ARGUMENT);
  CHECK(session == NULL);

  /* An audio-only session needs no server: free, never billed; its callbacks run on the
   * thread that pauses/resumes/stops it. */
  recorder rec;
  recorder_init(&rec);
  so.session_id = "c-audio-only-1";
  so.audio_only = true;
  so.on_state_change = on_state_change;
  so.user_data = &rec;
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, &so, &session), CM_OK));
  CHECK(strcmp(cm_session_id(session), "c-audio-only-1") == 0);
  CHECK(cm_session_may_render(session));
  cm_session_frame(session);
  CHECK_STATUS(cm_session_pause(session), CM_OK);
  CHECK(cm_session_get_state(session) == CM_STATE_PAUSED_BY_USER);
  CHECK(cm_session_get_reason(session) == CM_REASON_USER);
  CHECK(!cm_session_may_render(session));
  CHECK(wait_for_state(&rec, CM_STATE_PAUSED_BY_USER, 1000));
  CHECK_STATUS(cm_session_resume(session), CM_OK);
  CHECK(cm_session_may_render(session));

  /* Stats: struct_size rules, and a caller with a shorter (older) struct. */
  cm_session_stats_init(&stats);
  CHECK(stats.struct_size == sizeof stats);
  stats.struct_size = 0;
  CHECK_STATUS(cm_session_get_stats(session, &stats), CM_E_INVALID_ARGUMENT);
  stats.struct_size = sizeof stats + 1;
  CHECK_STATUS(cm_session_get_stats(session, &stats), CM_E_INVALID_ARGUMENT);
  cm_session_stats_init(&stats);
  CHECK_STATUS(cm_session_get_stats(session, NULL), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_get_stats(session, &stats), CM_OK);
  CHECK(stats.active_ms == 0 && stats.reported_ms == 0 && stats.heartbeats_ok == 0);

  CHECK_STATUS(cm_session_set_state_callback(session, NULL, NULL), CM_OK); /* removes it */
  CHECK_STATUS(cm_session_set_state_callback(session, on_state_change, &rec), CM_OK);
  CHECK_STATUS(cm_session_stop(session), CM_OK);
  CHECK_STATUS(cm_session_stop(session), CM_OK); /* idempotent */
  CHECK_STATUS(cm_session_resume(session), CM_OK);
  CHECK(cm_session_get_state(session) == CM_STATE_STOPPED);
  CHECK(wait_for_state(&rec, CM_STATE_STOPPED, 1000));
  CHECK(rec.on_main_thread); /* audio-only: no scheduler thread */
  CHECK(!rec.bad_struct);
  CHECK_STATUS(cm_client_flush(client, 0), CM_OK); /* nothing to deliver */
  cm_session_free(session);
  cm_client_free(client);
  recorder_destroy(&rec);
}

/* Every error status a start (and a summary) can give, against the emulator. */
static void test_errors(void) {
  cm_emulator emu;
  char secret[128], poor[128], busy[128];
  cm_client *client;
  cm_session *session = NULL, *first = NULL;
  cm_credit_summary *summary = NULL;
  char url[64];

  REQUIRE(cm_emulator_start(&emu));

  /* 401: unknown secret. Nothing in the message reveals it. */
  cm_test_secret(secret, sizeof secret, "unknown");
  client = cm_test_new_client(emu.base_url, secret);
  if (client != NULL) {
    CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_AUTHENTICATION);
    CHECK(session == NULL);
    CHECK(cm_last_error()[0] != '\0');
    CHECK(strstr(cm_last_error(), secret) == NULL);
    CHECK_STATUS(cm_client_credit_summary(client, &summary), CM_E_AUTHENTICATION);
    CHECK(summary == NULL);
    cm_client_free(client);
  }

  /* 402: balance 0. */
  cm_test_secret(poor, sizeof poor, "poor");
  CHECK(cm_emulator_create_account(&emu, poor, "free", 0, -1));
  client = cm_test_new_client(emu.base_url, poor);
  if (client != NULL) {
    CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_INSUFFICIENT_CREDITS);
    CHECK(session == NULL);
    cm_client_free(client);
  }

  /* 403: concurrency limit of 1. */
  cm_test_secret(busy, sizeof busy, "busy");
  CHECK(cm_emulator_create_account(&emu, busy, "creator", 100, 1));
  client = cm_test_new_client(emu.base_url, busy);
  if (client != NULL) {
    CHECK_STATUS(cm_client_start_session(client, NULL, &first), CM_OK);
    CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_CONCURRENCY_LIMIT);
    CHECK(session == NULL);
    CHECK(strstr(cm_last_error(), "1") != NULL); /* names the plan's limit */
    cm_session_free(first);
    cm_client_free(client);
  }

  /* Any other refusal of the server: CM_E_SERVER. */
  CHECK(cm_emulator_admin(&emu, "POST", "/admin/faults", "{\"mode\":\"status\",\"status\":418,\"code\":\"TEAPOT\"}",
                          NULL, 0) / 100 == 2);
  client = cm_test_new_client(emu.base_url, busy);
  if (client != NULL) {
    CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_SERVER);
    cm_client_free(client);
  }
  /* 5xx: the server is unavailable, a network error. */
  CHECK(cm_emulator_admin(&emu, "DELETE", "/admin/faults", NULL, NULL, 0) / 100 == 2);
  CHECK(cm_emulator_admin(&emu, "POST", "/admin/faults", "{\"mode\":\"status\",\"status\":503,\"code\":\"DOWN\"}",
                          NULL, 0) / 100 == 2);
  client = cm_test_new_client(emu.base_url, busy);
  if (client != NULL) {
    CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_NETWORK);
    cm_client_free(client);
  }
  CHECK(cm_emulator_admin(&emu, "DELETE", "/admin/faults", NULL, NULL, 0) / 100 == 2);

  /* 403 KEY_REVOKED: an authentication error. */
  {
    char body[256];
    snprintf(body, sizeof body, "{\"api_secret\":\"%s\"}", busy);
    CHECK(cm_emulator_admin(&emu, "POST", "/admin/accounts/revoke", body, NULL, 0) / 100 == 2);
    client = cm_test_new_client(emu.base_url, busy);
    if (client != NULL) {
      CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_AUTHENTICATION);
      cm_client_free(client);
    }
  }

  cm_emulator_stop(&emu);

  /* Nothing listens: a network error, quickly. */
  snprintf(url, sizeof url, "http://127.0.0.1:%d", cm_test_closed_port());
  client = cm_test_new_client(url, "sk_nobody_home");
  if (client != NULL) {
    CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_NETWORK);
    CHECK(session == NULL);
    CHECK(strstr(cm_last_error(), "127.0.0.1") != NULL);
    CHECK_STATUS(cm_client_credit_summary(client, &summary), CM_E_NETWORK);
    cm_client_free(client);
  }
}

/* Start, frames, pause/resume, stats, stop, flush: the ledger bills exactly what the client
 * metered, and the credit summary reads back. */
static void test_happy_path(void) {
  cm_emulator emu;
  char secret[128];
  cm_client_options o;
  cm_client *client = NULL;
  cm_session_options so;
  cm_session *session = NULL;
  cm_session_stats stats;
  cm_credit_summary *summary = NULL;
  recorder rec;
  log_sink logs;
  int64_t rendered = 0;

  REQUIRE(cm_emulator_start(&emu));
  REQUIRE(cm_emulator_configure(&emu, 1, 3));
  cm_test_secret(secret, sizeof secret, "happy");
  REQUIRE(cm_emulator_create_account(&emu, secret, "creator", 100, -1));

  memset(&logs, 0, sizeof logs);
  pthread_mutex_init(&logs.mutex, NULL);
  logs.secret = secret;
  cm_test_options_init(&o);
  o.base_url = emu.base_url;
  o.api_secret = secret;
  o.journal_dir = "";
  o.log = on_log;
  o.log_user_data = &logs;
  o.log_level = CM_LOG_DEBUG;
  REQUIRE(CHECK_STATUS(cm_client_new(&o, &client), CM_OK));

  recorder_init(&rec);
  cm_session_options_init(&so);
  so.model = "expression";
  so.surface = "cloud";
  so.on_state_change = on_state_change;
  so.user_data = &rec;
  if (!CHECK_STATUS(cm_client_start_session(client, &so, &session), CM_OK)) {
    cm_client_free(client);
    cm_emulator_stop(&emu);
    return;
  }
  CHECK(strlen(cm_session_id(session)) > 0);
  CHECK(cm_session_get_state(session) == CM_STATE_ACTIVE);
  CHECK(cm_session_may_render(session));

  rendered += cm_test_render(session, 1500);

  CHECK_STATUS(cm_session_pause(session), CM_OK);
  CHECK(!cm_session_may_render(session));
  CHECK(wait_for_state(&rec, CM_STATE_PAUSED_BY_USER, 3000));
  /* Frames while paused are never billed. */
  for (int i = 0; i < 10; ++i) {
    cm_session_frame(session);
    cm_test_sleep_ms(40);
  }
  CHECK_STATUS(cm_session_resume(session), CM_OK);
  CHECK(cm_session_may_render(session));
  CHECK(wait_for_state(&rec, CM_STATE_ACTIVE, 3000));
  rendered += cm_test_render(session, 1500);

  cm_session_stats_init(&stats);
  CHECK_STATUS(cm_session_get_stats(session, &stats), CM_OK);
  CHECK(stats.heartbeats_ok >= 1); /* heartbeats every second */
  CHECK(stats.active_ms > 0 && stats.active_ms <= rendered + 50);
  CHECK(stats.grace_remaining_ms > 0);

  CHECK_STATUS(cm_session_stop(session), CM_OK);
  CHECK(cm_session_get_state(session) == CM_STATE_STOPPED);
  CHECK(wait_for_state(&rec, CM_STATE_STOPPED, 3000));
  CHECK_STATUS(cm_client_flush(client, 10000), CM_OK);

  cm_session_stats_init(&stats);
  CHECK_STATUS(cm_session_get_stats(session, &stats), CM_OK);
  CHECK(stats.active_ms == stats.reported_ms);
  CHECK(cm_emulator_ledger_active_ms(&emu, cm_session_id(session)) == stats.active_ms);
  /* Within [T - idle_after, T] of the rendering the test measured (+ coarse clock slack). */
  CHECK(stats.active_ms >= rendered - 1000 && stats.active_ms <= rendered + 50);
  CHECK(stats.credits_charged > 0);
  fprintf(stderr, "happy path: rendered %lld ms, billed %lld ms, %.3f credits, %llu heartbeats\n",
          (long long)rendered, (long long)stats.active_ms, stats.credits_charged,
          (unsigned long long)stats.heartbeats_ok);

  /* Callbacks: on the scheduler thread, with our user_data, in order. */
  CHECK(!rec.on_main_thread);
  CHECK(!rec.bad_struct);
  CHECK(rec.count == 3);
  CHECK(rec.count >= 3 && rec.to[0] == CM_STATE_PAUSED_BY_USER && rec.reason[0] == CM_REASON_USER);
  CHECK(rec.count >= 3 && rec.to[1] == CM_STATE_ACTIVE);
  CHECK(rec.count >= 3 && rec.to[2] == CM_STATE_STOPPED && rec.reason[2] == CM_REASON_STOPPED);

  /* The credit summary. */
  if (CHECK_STATUS(cm_client_credit_summary(client, &summary), CM_OK)) {
    bool has_key = false;
    CHECK(summary->struct_size == sizeof(cm_credit_summary));
    CHECK(strcmp(summary->plan, "creator") == 0);
    CHECK(summary->renews_at != NULL);
    CHECK(summary->balance < 100 && summary->balance > 90);
    CHECK(summary->estimated_minutes_count >= 1);
    for (size_t i = 0; i < summary->estimated_minutes_count; ++i) {
      if (strcmp(summary->estimated_minutes[i].key, "essence_cloud") == 0) {
        has_key = true;
        CHECK(summary->estimated_minutes[i].minutes > 0);
      }
      if (i > 0) CHECK(strcmp(summary->estimated_minutes[i - 1].key, summary->estimated_minutes[i].key) < 0);
    }
    CHECK(has_key);
    cm_credit_summary_free(summary);
  }

  cm_session_free(session);
  cm_client_free(client);
  CHECK(logs.lines > 0);
  CHECK(!logs.leaked_secret);
  pthread_mutex_destroy(&logs.mutex);
  recorder_destroy(&rec);
  cm_emulator_stop(&emu);
}

/* Any call inside a callback: flush returns CM_INCOMPLETE at once, stop works, a session can
 * free itself and a client can be freed, all without deadlock. */
static void test_reentrancy(void) {
  cm_emulator emu;
  char secret[128];
  cm_client *client, *client2;
  cm_session_options so;
  cm_session *session = NULL, *session2 = NULL, *session3 = NULL;
  cm_session_stats stats;
  recorder rec, rec2, rec3;

  REQUIRE(cm_emulator_start(&emu));
  REQUIRE(cm_emulator_configure(&emu, 1, 3));
  cm_test_secret(secret, sizeof secret, "reenter");
  REQUIRE(cm_emulator_create_account(&emu, secret, "pro", 100, -1));
  client = cm_test_new_client(emu.base_url, secret);
  client2 = cm_test_new_client(emu.base_url, secret);
  REQUIRE(client != NULL && client2 != NULL);

  /* 1. flush + stop from inside the callback. */
  recorder_init(&rec);
  rec.reenter = REENTER_FLUSH_STOP;
  rec.client = client;
  cm_session_options_init(&so);
  so.on_state_change = on_state_change;
  so.user_data = &rec;
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, &so, &session), CM_OK));
  cm_test_render(session, 600);
  CHECK_STATUS(cm_session_pause(session), CM_OK);
  CHECK(wait_reentered(&rec, 5000));
  CHECK(wait_for_state(&rec, CM_STATE_STOPPED, 5000));
  CHECK_STATUS(rec.flush_status, CM_INCOMPLETE);
  CHECK(rec.flush_ms < 500);
  CHECK_STATUS(rec.stop_status, CM_OK);
  CHECK(rec.state_inside == CM_STATE_STOPPED);
  CHECK(!rec.on_main_thread);
  CHECK_STATUS(cm_client_flush(client, 10000), CM_OK);
  cm_session_stats_init(&stats);
  CHECK_STATUS(cm_session_get_stats(session, &stats), CM_OK);
  CHECK(stats.active_ms > 0 && stats.active_ms == stats.reported_ms);
  CHECK(cm_emulator_ledger_active_ms(&emu, cm_session_id(session)) == stats.active_ms);

  /* 2. A session frees itself from inside its own callback. */
  recorder_init(&rec2);
  rec2.reenter = REENTER_FREE_SESSION;
  so.user_data = &rec2;
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, &so, &session2), CM_OK));
  CHECK_STATUS(cm_session_pause(session2), CM_OK);
  CHECK(wait_reentered(&rec2, 5000)); /* session2 is gone now */

  /* 3. A client is freed from inside a callback of its session; the session outlives it. */
  recorder_init(&rec3);
  rec3.reenter = REENTER_FREE_CLIENT;
  rec3.client = client2;
  so.user_data = &rec3;
  REQUIRE(CHECK_STATUS(cm_client_start_session(client2, &so, &session3), CM_OK));
  CHECK_STATUS(cm_session_pause(session3), CM_OK);
  CHECK(wait_reentered(&rec3, 5000)); /* client2 is gone now */
  CHECK(cm_session_get_state(session3) == CM_STATE_STOPPED);
  cm_session_free(session3);

  /* The first client still works after all that. */
  CHECK_STATUS(cm_client_flush(client, 10000), CM_OK);
  cm_session_free(session);
  cm_client_free(client);
  recorder_destroy(&rec);
  recorder_destroy(&rec2);
  recorder_destroy(&rec3);
  cm_emulator_stop(&emu);
}

/* Secretless mode: the provider plays the app's backend (which holds the secret). */
typedef struct provider_ctx {
  const cm_emulator *emu;
  const char *secret;
  int calls;
  enum { PROVIDE, REFUSE, FORGET } mode;
} provider_ctx;

static cm_status provider(const char *session_id, cm_token_sink *sink, void *user_data) {
  provider_ctx *ctx = (provider_ctx *)user_data;
  static char body[8192];
  ++ctx->calls;
  if (ctx->mode == REFUSE) return CM_E_AUTHENTICATION;
  if (ctx->mode == FORGET) return CM_OK; /* without setting the sink: a refusal */
  if (cm_emulator_token_request(ctx->emu, ctx->secret, session_id, body, sizeof body) != 200) return CM_E_NETWORK;
  return cm_token_sink_set(sink, body);
}

static void test_token_provider(void) {
  cm_emulator emu;
  char secret[128];
  cm_client_options o;
  cm_client *client = NULL;
  cm_session *session = NULL;
  cm_session_stats stats;
  cm_credit_summary *summary = NULL;
  provider_ctx ctx;

  REQUIRE(cm_emulator_start(&emu));
  REQUIRE(cm_emulator_configure(&emu, 1, 3));
  cm_test_secret(secret, sizeof secret, "backend");
  REQUIRE(cm_emulator_create_account(&emu, secret, "creator", 50, -1));

  memset(&ctx, 0, sizeof ctx);
  ctx.emu = &emu;
  ctx.secret = secret;
  cm_test_options_init(&o);
  o.base_url = emu.base_url;
  o.api_secret = NULL; /* the device never holds it */
  o.journal_dir = "";
  o.token_provider = provider;
  o.token_provider_user_data = &ctx;
  REQUIRE(CHECK_STATUS(cm_client_new(&o, &client), CM_OK));

  if (CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_OK)) {
    CHECK(ctx.calls == 1);
    cm_test_render(session, 1200);
    CHECK_STATUS(cm_session_stop(session), CM_OK);
    CHECK_STATUS(cm_client_flush(client, 10000), CM_OK);
    cm_session_stats_init(&stats);
    CHECK_STATUS(cm_session_get_stats(session, &stats), CM_OK);
    CHECK(stats.active_ms > 0 && stats.active_ms == stats.reported_ms);
    CHECK(cm_emulator_ledger_active_ms(&emu, cm_session_id(session)) == stats.active_ms);
    cm_session_free(session);
  }

  ctx.mode = REFUSE;
  session = NULL;
  CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_AUTHENTICATION);
  CHECK(session == NULL);
  ctx.mode = FORGET;
  CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_AUTHENTICATION);
  CHECK(strstr(cm_last_error(), "cm_token_sink_set") != NULL);
  /* The summary needs the API secret, which a secretless client does not have. */
  CHECK_STATUS(cm_client_credit_summary(client, &summary), CM_E_INVALID_ARGUMENT);
  cm_client_free(client);
  cm_emulator_stop(&emu);
}

/* cm_default_journal_dir(): the directory a client without journal_dir uses, from the
 * environment at the call; 0 where there is none (a wrapper then requires journal_dir). */
static void test_default_journal_dir(void) {
  char buf[256];
  CHECK(setenv("XDG_STATE_HOME", "/state/x", 1) == 0);
  CHECK(setenv("HOME", "/home/u", 1) == 0);
  CHECK(cm_default_journal_dir(buf, sizeof buf) == strlen("/state/x/creditmeter"));
  CHECK(strcmp(buf, "/state/x/creditmeter") == 0);
  CHECK(cm_default_journal_dir(NULL, 0) == strlen("/state/x/creditmeter")); /* the size to allocate */
  memset(buf, 'z', sizeof buf);
  CHECK(cm_default_journal_dir(buf, 7) == strlen("/state/x/creditmeter")); /* too small: cut, terminated */
  CHECK(strcmp(buf, "/state") == 0 && buf[7] == 'z'); /* 6 bytes and the NUL */

  CHECK(setenv("XDG_STATE_HOME", "relative/dir", 1) == 0); /* not absolute: ignored, as XDG says */
  CHECK(cm_default_journal_dir(buf, sizeof buf) == strlen("/home/u/.local/state/creditmeter"));
  CHECK(strcmp(buf, "/home/u/.local/state/creditmeter") == 0);

  CHECK(unsetenv("XDG_STATE_HOME") == 0);
  CHECK(unsetenv("HOME") == 0);
  strcpy(buf, "stale");
  CHECK(cm_default_journal_dir(buf, sizeof buf) == 0); /* no default state directory here */
  CHECK(buf[0] == '\0');
}

/* ------------------------------------------------------------------------- main */

static const cm_test_case cases[] = {
    {"invalid_arguments", test_invalid_arguments},
    {"errors", test_errors},
    {"happy_path", test_happy_path},
    {"reentrancy", test_reentrancy},
    {"token_provider", test_token_provider},
    {"default_journal_dir", test_default_journal_dir},
};

int main(int argc, char **argv) { return cm_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]); }
