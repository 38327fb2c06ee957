/* Usage events through the C ABI (cm_session_record, cm_rejected_event and its callback, the
 * grown stats/usage/summary structs), in C11 against a real creditmeter-emulator.
 *   creditmeter_c_events_tests <case>...   (no argument: every case)
 * ctest runs each case as its own test, c_events_<case>. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <creditmeter/creditmeter.h>

#include "cm_test.h"

#define REJECTS_MAGIC 0x4e1ec7

/* What on_event_rejected receives (its event_rejected_user_data). */
typedef struct rejects {
  int magic;
  pthread_mutex_t mutex;
  cm_session *expected_session;
  int count;
  char event_id[37];
  char action[80];
  char code[64];
  double quantity;
  bool bad_struct, bad_session, had_message;
} rejects;

static void on_rejected(cm_session *session, const cm_rejected_event *e, void *user_data) {
  rejects *r = (rejects *)user_data;
  if (r == NULL || r->magic != REJECTS_MAGIC) {
    fprintf(stderr, "on_event_rejected: wrong user_data %p\n", user_data);
    abort();
  }
  pthread_mutex_lock(&r->mutex);
  if (e == NULL || e->struct_size < sizeof(cm_rejected_event)) {
    r->bad_struct = true;
  } else {
    snprintf(r->event_id, sizeof r->event_id, "%s", e->event_id);
    snprintf(r->action, sizeof r->action, "%s", e->action);
    snprintf(r->code, sizeof r->code, "%s", e->code);
    r->quantity = e->quantity;
    r->had_message = e->message != NULL && e->message[0] != '\0';
  }
  if (r->expected_session != NULL && session != r->expected_session) r->bad_session = true;
  ++r->count;
  pthread_mutex_unlock(&r->mutex);
}

static int rejected_count(rejects *r) {
  pthread_mutex_lock(&r->mutex);
  const int n = r->count;
  pthread_mutex_unlock(&r->mutex);
  return n;
}

typedef struct env {
  cm_emulator emu;
  char secret[128];
  cm_client *client;
} env;

static bool env_start(env *e, const char *name) {
  memset(e, 0, sizeof *e);
  if (!cm_emulator_start(&e->emu)) return false;
  if (!cm_emulator_configure(&e->emu, 1, 3)) return false;
  cm_test_secret(e->secret, sizeof e->secret, name);
  if (!cm_emulator_create_account(&e->emu, e->secret, "creator", 1000, -1)) return false;
  cm_client_options o;
  cm_test_options_init(&o);
  o.base_url = e->emu.base_url;
  o.api_secret = e->secret;
  o.journal_dir = "";
  o.connect_timeout_ms = 2000;
  return CHECK_STATUS(cm_client_new(&o, &e->client), CM_OK);
}

static void env_stop(env *e) {
  cm_client_free(e->client);
  cm_emulator_stop(&e->emu);
}

/* ------------------------------------------------------------------------- cases */

/* Recorded events are charged at their prices; the ids come back; stats, usage and the
 * credit summary carry the counts and the unit. */
static void test_record_and_charge(void) {
  env e;
  REQUIRE(env_start(&e, "events_charge"));
  cm_session *s = NULL;
  REQUIRE(CHECK_STATUS(cm_client_start_session(e.client, NULL, &s), CM_OK));
  char id1[37], id2[37];
  CHECK_STATUS(cm_session_record(s, "llm_gpt4", 1.0, id1), CM_OK);
  CHECK_STATUS(cm_session_record(s, "tts_seconds", 12.5, id2), CM_OK);
  CHECK_STATUS(cm_session_record(s, "kb_query", 2.0, NULL), CM_OK); /* the id is optional */
  CHECK(strlen(id1) == 36 && strlen(id2) == 36 && strcmp(id1, id2) != 0);
  CHECK_STATUS(cm_client_flush(e.client, 10000), CM_OK);

  cm_session_stats st;
  cm_session_stats_init(&st);
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(st.events_recorded == 3);
  CHECK(st.events_acknowledged == 3);
  CHECK(st.events_pending == 0);
  CHECK(st.events_rejected == 0);
  CHECK(strcmp(st.unit, "credits") == 0);
  CHECK(st.credits_charged >= 10 + 1.041 + 2 - 1e-9); /* 12.5 s of TTS: 1.041 (floored) */

  cm_client_usage u;
  cm_client_usage_init(&u);
  CHECK_STATUS(cm_client_get_usage(e.client, &u), CM_OK);
  CHECK(u.events_recorded == 3);
  CHECK(u.events_acknowledged == 3);

  cm_credit_summary *summary = NULL;
  CHECK_STATUS(cm_client_credit_summary(e.client, &summary), CM_OK);
  if (summary != NULL) {
    CHECK(summary->struct_size >= sizeof *summary);
    CHECK(strcmp(summary->unit, "credits") == 0);
    CHECK(summary->balance <= 1000 - 13.041 + 1e-9);
  }
  cm_credit_summary_free(summary);
  cm_session_free(s);
  env_stop(&e);
}

/* An unknown action reaches on_event_rejected (set in the options, then replaced by the
 * setter) on the client's callback thread; flush() counts it settled. */
static void test_rejected_event(void) {
  env e;
  REQUIRE(env_start(&e, "events_rejected"));
  rejects r;
  memset(&r, 0, sizeof r);
  r.magic = REJECTS_MAGIC;
  pthread_mutex_init(&r.mutex, NULL);
  cm_session_options so;
  cm_session_options_init(&so);
  CHECK(so.on_event_rejected == NULL);
  so.on_event_rejected = on_rejected;
  so.event_rejected_user_data = &r;
  cm_session *s = NULL;
  REQUIRE(CHECK_STATUS(cm_client_start_session(e.client, &so, &s), CM_OK));
  pthread_mutex_lock(&r.mutex);
  r.expected_session = s;
  pthread_mutex_unlock(&r.mutex);
  char id[37];
  CHECK_STATUS(cm_session_record(s, "no_such_action", 3.0, id), CM_OK);
  CHECK_STATUS(cm_client_flush(e.client, 10000), CM_OK);
  const int64_t deadline = cm_test_now_ms() + 5000;
  while (rejected_count(&r) < 1 && cm_test_now_ms() < deadline) cm_test_sleep_ms(10);
  pthread_mutex_lock(&r.mutex);
  CHECK(r.count == 1);
  CHECK(strcmp(r.event_id, id) == 0);
  CHECK(strcmp(r.action, "no_such_action") == 0);
  CHECK(strcmp(r.code, "UNKNOWN_ACTION") == 0);
  CHECK(r.quantity == 3.0);
  CHECK(r.had_message);
  CHECK(!r.bad_struct && !r.bad_session);
  pthread_mutex_unlock(&r.mutex);
  cm_session_stats st;
  cm_session_stats_init(&st);
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(st.events_rejected == 1);
  CHECK(st.events_pending == 0);

  /* Removed by the setter: a second rejection reaches nobody (and is still settled). */
  CHECK_STATUS(cm_session_set_event_rejected_callback(s, NULL, NULL), CM_OK);
  CHECK_STATUS(cm_session_record(s, "no_such_action", 1.0, NULL), CM_OK);
  CHECK_STATUS(cm_client_flush(e.client, 10000), CM_OK);
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(st.events_rejected == 2);
  CHECK(rejected_count(&r) == 1);
  cm_session_free(s);
  pthread_mutex_destroy(&r.mutex);
  env_stop(&e);
}

/* Bad input, a stopped and an audio-only session: CM_E_INVALID_ARGUMENT, event_id "". */
static void test_invalid_record(void) {
  env e;
  REQUIRE(env_start(&e, "events_invalid"));
  cm_session *s = NULL;
  REQUIRE(CHECK_STATUS(cm_client_start_session(e.client, NULL, &s), CM_OK));
  char id[37] = "x";
  CHECK_STATUS(cm_session_record(NULL, "llm_gpt4", 1, id), CM_E_INVALID_ARGUMENT);
  CHECK(id[0] == '\0');
  CHECK_STATUS(cm_session_record(s, NULL, 1, id), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_record(s, "", 1, id), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_record(s, "llm_gpt4", -1, id), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_record(s, "llm_gpt4", NAN, id), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_record(s, "llm_gpt4", INFINITY, id), CM_E_INVALID_ARGUMENT);
  CHECK(strstr(cm_last_error(), "quantity") != NULL);
  CHECK_STATUS(cm_session_stop(s), CM_OK);
  CHECK_STATUS(cm_session_record(s, "llm_gpt4", 1, id), CM_E_INVALID_ARGUMENT);
  CHECK(strstr(cm_last_error(), "stop") != NULL);
  cm_session_options so;
  cm_session_options_init(&so);
  so.audio_only = true;
  cm_session *audio = NULL;
  REQUIRE(CHECK_STATUS(cm_client_start_session(e.client, &so, &audio), CM_OK));
  CHECK_STATUS(cm_session_record(audio, "llm_gpt4", 1, id), CM_E_INVALID_ARGUMENT);
  CHECK(strstr(cm_last_error(), "audio-only") != NULL);
  cm_session_stats st;
  cm_session_stats_init(&st);
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(st.events_recorded == 0);
  cm_session_free(audio);
  cm_session_free(s);
  env_stop(&e);
}

/* A number field of the emulator's ledger row for `session_id` (a key unique to the row, e.g.
 * "event_credits_charged"); NAN when absent. */
static double ledger_number(const env *e, const char *session_id, const char *key) {
  static char body[1 << 16];
  char path[200], pattern[80];
  snprintf(path, sizeof path, "/admin/ledger?session_id=%s", session_id);
  if (cm_emulator_admin(&e->emu, "GET", path, NULL, body, sizeof body) != 200) return NAN;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *hit = strstr(body, pattern);
  return hit == NULL ? NAN : strtod(hit + strlen(pattern), NULL);
}

/* What balance callbacks see (the unit and the session's credits). */
typedef struct balances {
  pthread_mutex_t mutex;
  int count;
  bool bad_struct;
  char unit[16];
  double session_credits;
} balances;

static void on_balance_unit(cm_session *session, const cm_balance_update *u, void *user_data) {
  (void)session;
  balances *b = (balances *)user_data;
  pthread_mutex_lock(&b->mutex);
  if (u == NULL || u->struct_size < sizeof(cm_balance_update)) {
    b->bad_struct = true;
  } else {
    snprintf(b->unit, sizeof b->unit, "%s", u->unit);
    b->session_credits = u->session_credits;
  }
  ++b->count;
  pthread_mutex_unlock(&b->mutex);
}

/* A session that records priced events and renders active time: the stats and the client's
 * usage split credits_charged into events_credits_charged, equal to the ledger's event
 * charges exactly (ten 0.1-credit api_requests would drift if summed as thousandths), and the
 * rest, the ledger's time charges. */
static void test_charge_split(void) {
  env e;
  REQUIRE(env_start(&e, "events_split"));
  cm_session *s = NULL;
  REQUIRE(CHECK_STATUS(cm_client_start_session(e.client, NULL, &s), CM_OK));
  CHECK_STATUS(cm_session_record(s, "llm_gpt4", 1.0, NULL), CM_OK);
  CHECK_STATUS(cm_session_record(s, "tts_seconds", 12.5, NULL), CM_OK);
  for (int i = 0; i < 10; ++i) CHECK_STATUS(cm_session_record(s, "api_request", 1.0, NULL), CM_OK);
  CHECK(cm_test_render(s, 1500) > 0);
  CHECK_STATUS(cm_session_stop(s), CM_OK);
  CHECK_STATUS(cm_client_flush(e.client, 10000), CM_OK);

  cm_session_stats st;
  cm_session_stats_init(&st);
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(st.events_acknowledged == 12);
  const double ledger_events = ledger_number(&e, cm_session_id(s), "event_credits_charged");
  const double ledger_time = ledger_number(&e, cm_session_id(s), "time_credits_charged");
  CHECK(ledger_events == 10 + 1.041 + 1.0); /* 12.5 s of TTS floored to 1.041; 10 x 0.1 */
  CHECK(st.events_credits_charged == ledger_events);
  CHECK(ledger_time > 0);
  CHECK(fabs(st.credits_charged - st.events_credits_charged - ledger_time) < 1e-9);

  cm_client_usage u;
  cm_client_usage_init(&u);
  CHECK_STATUS(cm_client_get_usage(e.client, &u), CM_OK);
  CHECK(u.events_credits_charged == ledger_events);
  /* A caller built against the header before these fields: its struct_size stops short of
   * them, and they stay untouched. */
  cm_session_stats_init(&st);
  st.struct_size = offsetof(cm_session_stats, events_credits_charged);
  st.events_credits_charged = -7;
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(st.events_credits_charged == -7);
  CHECK(strcmp(st.unit, "credits") == 0);
  cm_session_free(s);
  env_stop(&e);
}

/* A USD account: every balance update, the stats and the summary say "USD". */
static void test_balance_unit(void) {
  env e;
  memset(&e, 0, sizeof e);
  REQUIRE(cm_emulator_start(&e.emu));
  REQUIRE(cm_emulator_configure(&e.emu, 1, 3));
  cm_test_secret(e.secret, sizeof e.secret, "events_usd");
  char body[300];
  snprintf(body, sizeof body, "{\"api_secret\":\"%s\",\"balance\":50,\"unit\":\"USD\"}", e.secret);
  REQUIRE(cm_emulator_admin(&e.emu, "POST", "/admin/accounts", body, NULL, 0) == 201);
  e.client = cm_test_new_client(e.emu.base_url, e.secret);
  REQUIRE(e.client != NULL);
  balances b;
  memset(&b, 0, sizeof b);
  pthread_mutex_init(&b.mutex, NULL);
  cm_session_options so;
  cm_session_options_init(&so);
  so.on_balance = on_balance_unit;
  so.balance_user_data = &b;
  cm_session *s = NULL;
  REQUIRE(CHECK_STATUS(cm_client_start_session(e.client, &so, &s), CM_OK));
  CHECK_STATUS(cm_session_record(s, "llm_gpt4", 1.0, NULL), CM_OK);
  CHECK_STATUS(cm_client_flush(e.client, 10000), CM_OK);
  /* The events answer's balance reaches the callback thread after flush() returns. */
  const int64_t deadline = cm_test_now_ms() + 5000;
  for (;;) {
    pthread_mutex_lock(&b.mutex);
    const bool charged = b.session_credits >= 10;
    pthread_mutex_unlock(&b.mutex);
    if (charged || cm_test_now_ms() >= deadline) break;
    cm_test_sleep_ms(10);
  }
  pthread_mutex_lock(&b.mutex);
  CHECK(b.count >= 2); /* the start's balance, then the event's charge */
  CHECK(!b.bad_struct);
  CHECK(strcmp(b.unit, "USD") == 0);
  CHECK(b.session_credits == 10);
  pthread_mutex_unlock(&b.mutex);
  cm_session_stats st;
  cm_session_stats_init(&st);
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(strcmp(st.unit, "USD") == 0);
  CHECK(st.events_credits_charged == 10);
  cm_session_free(s);
  pthread_mutex_destroy(&b.mutex);
  env_stop(&e);
}

/* ------------------------------------------------------------------------- main */

static const cm_test_case cases[] = {
    {"record_and_charge", test_record_and_charge},
    {"rejected_event", test_rejected_event},
    {"invalid_record", test_invalid_record},
    {"charge_split", test_charge_split},
    {"balance_unit", test_balance_unit},
};

int main(int argc, char **argv) { return cm_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]); }
