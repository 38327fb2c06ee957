/* The credits part of the C ABI (balance callbacks, low-balance alerts, spending caps,
 * estimates, a client's usage, the grown structs), in C11 against a real creditmeter-emulator.
 *   creditmeter_c_credits_tests <case>...   (no argument: every case)
 * ctest runs each case as its own test, c_credits_<case>. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <creditmeter/creditmeter.h>

#include "cm_test.h"

/* ------------------------------------------------------------------------- helpers */

#define BALANCES_MAGIC 0xba1a

/* What the balance callbacks of a session receive (balance_user_data). */
typedef struct balances {
  int magic;
  pthread_mutex_t mutex;
  cm_session *expected_session; /* set after the start: the handle the callbacks must get */
  int updates;
  int lows;
  double first_balance, first_minutes_left, last_balance, low_balance;
  bool bad_user_data, bad_struct, bad_session, increased;
  /* state changes (user_data of on_state_change) */
  bool saw_spend_cap;
} balances;

static void balances_init(balances *b) {
  memset(b, 0, sizeof *b);
  b->magic = BALANCES_MAGIC;
  pthread_mutex_init(&b->mutex, NULL);
}

static void check_common(balances *b, cm_session *session, const cm_balance_update *u) {
  if (u == NULL || u->struct_size < sizeof(cm_balance_update)) b->bad_struct = true;
  if (b->expected_session != NULL && session != b->expected_session) b->bad_session = true;
}

static void on_balance(cm_session *session, const cm_balance_update *u, void *user_data) {
  balances *b = (balances *)user_data;
  if (b == NULL || b->magic != BALANCES_MAGIC) {
    fprintf(stderr, "on_balance: wrong user_data %p\n", user_data);
    abort();
  }
  pthread_mutex_lock(&b->mutex);
  check_common(b, session, u);
  if (u != NULL) {
    if (b->updates == 0) {
      b->first_balance = u->balance;
      b->first_minutes_left = u->minutes_left;
    } else if (u->balance > b->last_balance + 1e-9) {
      b->increased = true;
    }
    b->last_balance = u->balance;
  }
  ++b->updates;
  pthread_mutex_unlock(&b->mutex);
}

static void on_low_balance(cm_session *session, const cm_balance_update *u, void *user_data) {
  balances *b = (balances *)user_data;
  if (b == NULL || b->magic != BALANCES_MAGIC) {
    fprintf(stderr, "on_low_balance: wrong user_data %p\n", user_data);
    abort();
  }
  pthread_mutex_lock(&b->mutex);
  check_common(b, session, u);
  if (u != NULL) b->low_balance = u->balance;
  ++b->lows;
  pthread_mutex_unlock(&b->mutex);
}

static void on_state(cm_session *session, const cm_state_change *c, void *user_data) {
  balances *b = (balances *)user_data;
  (void)session;
  pthread_mutex_lock(&b->mutex);
  if (c->to == CM_STATE_PAUSED_BILLING && c->reason == CM_REASON_SPEND_CAP) b->saw_spend_cap = true;
  pthread_mutex_unlock(&b->mutex);
}

static int get_int(balances *b, const int *field) {
  pthread_mutex_lock(&b->mutex);
  const int v = *field;
  pthread_mutex_unlock(&b->mutex);
  return v;
}

static cm_session_stats stats_of(const cm_session *s) {
  cm_session_stats st;
  cm_session_stats_init(&st);
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  return st;
}

typedef bool (*predicate)(cm_session **sessions, size_t n, void *arg);

/* A 25 fps renderer of n sessions on this thread (each gated on may_render) until pred holds
 * (true) or timeout_ms passed (false). */
static bool render_until(cm_session **sessions, size_t n, predicate pred, void *arg, int64_t timeout_ms) {
  const int64_t deadline = cm_test_now_ms() + timeout_ms;
  for (;;) {
    for (size_t i = 0; i < n; ++i) {
      if (cm_session_may_render(sessions[i])) cm_session_frame(sessions[i]);
    }
    if (pred(sessions, n, arg)) return true;
    if (cm_test_now_ms() > deadline) return false;
    cm_test_sleep_ms(40);
  }
}

static bool all_in_state(cm_session **s, size_t n, void *arg) {
  const cm_session_state want = *(const cm_session_state *)arg;
  for (size_t i = 0; i < n; ++i) {
    if (cm_session_get_state(s[i]) != want) return false;
  }
  return true;
}

typedef struct counter_arg {
  balances *b;
  const int *field; /* a counter of b */
  int target;
} counter_arg;

static bool count_at_least(cm_session **s, size_t n, void *arg) {
  const counter_arg *c = (const counter_arg *)arg;
  (void)s;
  (void)n;
  return get_int(c->b, c->field) >= c->target;
}

static bool never(cm_session **s, size_t n, void *arg) {
  (void)s;
  (void)n;
  (void)arg;
  return false;
}

typedef struct credits_above {
  double credits;
} credits_above;

static bool charged_above(cm_session **s, size_t n, void *arg) {
  (void)n;
  cm_session_stats st = stats_of(s[0]);
  return st.credits_charged > ((credits_above *)arg)->credits;
}

typedef struct env {
  cm_emulator emu;
  char secret[128];
} env;

static bool env_start(env *e, const char *name, double balance) {
  if (!cm_emulator_start(&e->emu)) return false;
  if (!cm_emulator_configure(&e->emu, 1, 3)) return false;
  cm_test_secret(e->secret, sizeof e->secret, name);
  return cm_emulator_create_account(&e->emu, e->secret, "creator", balance, -1);
}

static cm_client *new_client(const env *e, double max_credits) {
  cm_client_options o;
  cm_client *client = NULL;
  cm_test_options_init(&o);
  CHECK(isnan(o.max_credits));
  o.base_url = e->emu.base_url;
  o.api_secret = e->secret;
  o.journal_dir = "";
  o.connect_timeout_ms = 2000;
  o.max_credits = max_credits;
  if (!CHECK_STATUS(cm_client_new(&o, &client), CM_OK)) return NULL;
  return client;
}

static bool topup(const env *e, double credits) {
  char body[256];
  snprintf(body, sizeof body, "{\"api_secret\":\"%s\",\"credits\":%g}", e->secret, credits);
  const int status = cm_emulator_admin(&e->emu, "POST", "/admin/accounts/topup", body, NULL, 0);
  return status >= 200 && status < 300;
}

/* ------------------------------------------------------------------------- cases */

/* Every balance change reaches on_balance with its balance_user_data and handle; stats carry
 * the balance and minutes left at the session's rate. */
static void test_balance_callback(void) {
  env e;
  balances b;
  cm_session_options so;
  cm_session *s = NULL;
  REQUIRE(env_start(&e, "balance", 100));
  cm_client *client = new_client(&e, NAN);
  REQUIRE(client != NULL);
  balances_init(&b);
  cm_session_options_init(&so);
  CHECK(so.low_balance_minutes == 5);
  CHECK(isnan(so.low_balance_credits));
  CHECK(isnan(so.max_credits));
  so.on_balance = on_balance;
  so.on_low_balance = on_low_balance;
  so.balance_user_data = &b;
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, &so, &s), CM_OK));
  pthread_mutex_lock(&b.mutex);
  b.expected_session = s;
  pthread_mutex_unlock(&b.mutex);

  counter_arg arg = {&b, &b.updates, 3};
  CHECK(render_until(&s, 1, count_at_least, &arg, 8000));
  CHECK_STATUS(cm_session_stop(s), CM_OK);
  CHECK_STATUS(cm_client_flush(client, 5000), CM_OK);

  const cm_session_stats st = stats_of(s);
  /* The release's balance update follows flush() on the callback thread: wait for it. */
  {
    const int64_t end = cm_test_now_ms() + 5000;
    bool seen = false;
    while (!seen && cm_test_now_ms() < end) {
      pthread_mutex_lock(&b.mutex);
      seen = fabs(st.balance - b.last_balance) < 1e-9;
      pthread_mutex_unlock(&b.mutex);
      if (!seen) cm_test_sleep_ms(10);
    }
  }
  pthread_mutex_lock(&b.mutex);
  CHECK(b.updates >= 3);
  CHECK(fabs(b.first_balance - 100) < 1e-6);
  CHECK(fabs(b.first_minutes_left - 50) < 1e-6); /* essence/cloud: 2 credits a minute */
  CHECK(!b.increased);
  CHECK(!b.bad_struct && !b.bad_session && !b.bad_user_data);
  CHECK(b.lows == 0); /* ~50 minutes left: far above the 5-minute default */
  CHECK(fabs(st.balance - b.last_balance) < 1e-9);
  pthread_mutex_unlock(&b.mutex);
  CHECK(fabs(st.minutes_left - st.balance / 2) < 1e-6);
  CHECK(st.last_error[0] == '\0');
  CHECK(st.last_error_reason == CM_REASON_NONE);
  CHECK(st.heartbeats_retried == 0);

  /* Replacing the callbacks: NULL removes them, invalid handles are refused. */
  CHECK_STATUS(cm_session_set_balance_callbacks(s, NULL, NULL, NULL), CM_OK);
  CHECK_STATUS(cm_session_set_balance_callbacks(NULL, on_balance, NULL, &b), CM_E_INVALID_ARGUMENT);

  cm_session_free(s);
  cm_client_free(client);
  pthread_mutex_destroy(&b.mutex);
  cm_emulator_stop(&e.emu);
}

/* on_low_balance fires once per downward crossing; a top-up above the threshold does not
 * fire it; callbacks set after the start (cm_session_set_balance_callbacks) work too. */
static void test_low_balance_once(void) {
  env e;
  balances b;
  cm_session_options so;
  cm_session *s = NULL;
  REQUIRE(env_start(&e, "low", 10));
  cm_client *client = new_client(&e, NAN);
  REQUIRE(client != NULL);
  balances_init(&b);
  cm_session_options_init(&so);
  so.low_balance_credits = 9.98; /* crossed within a second of rendering at 2 credits/min */
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, &so, &s), CM_OK));
  b.expected_session = s;
  REQUIRE(CHECK_STATUS(cm_session_set_balance_callbacks(s, on_balance, on_low_balance, &b), CM_OK));

  counter_arg arg = {&b, &b.lows, 1};
  CHECK(render_until(&s, 1, count_at_least, &arg, 8000));
  const uint64_t before = stats_of(s).heartbeats_ok;
  const int64_t deadline = cm_test_now_ms() + 5000;
  while (stats_of(s).heartbeats_ok < before + 2 && cm_test_now_ms() < deadline) render_until(&s, 1, never, NULL, 100);
  CHECK(stats_of(s).heartbeats_ok >= before + 2);
  CHECK(get_int(&b, &b.lows) == 1); /* still below: no second alert */

  REQUIRE(topup(&e, 5));
  const int64_t deadline2 = cm_test_now_ms() + 5000;
  while (stats_of(s).balance <= 9.98 && cm_test_now_ms() < deadline2) render_until(&s, 1, never, NULL, 100);
  CHECK(stats_of(s).balance > 9.98);
  CHECK(get_int(&b, &b.lows) == 1); /* a rise never alerts */
  pthread_mutex_lock(&b.mutex);
  CHECK(b.low_balance < 9.98);
  CHECK(!b.bad_struct && !b.bad_session);
  pthread_mutex_unlock(&b.mutex);
  cm_session_free(s);

  /* A session whose threshold is above the balance alerts at once. */
  balances b2;
  balances_init(&b2);
  cm_session_options_init(&so);
  so.low_balance_credits = 1000;
  so.on_low_balance = on_low_balance;
  so.balance_user_data = &b2;
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, &so, &s), CM_OK));
  counter_arg arg2 = {&b2, &b2.lows, 1};
  CHECK(render_until(&s, 1, count_at_least, &arg2, 4000));
  CHECK(get_int(&b2, &b2.lows) == 1);
  cm_session_free(s);

  cm_client_free(client);
  pthread_mutex_destroy(&b.mutex);
  pthread_mutex_destroy(&b2.mutex);
  cm_emulator_stop(&e.emu);
}

/* A session's cap pauses it (paused_billing, spend_cap) before the cap is crossed; raising
 * it resumes. */
static void test_spend_cap(void) {
  env e;
  balances b;
  cm_session_options so;
  cm_session *s = NULL;
  REQUIRE(env_start(&e, "cap", 100));
  cm_client *client = new_client(&e, NAN);
  REQUIRE(client != NULL);
  balances_init(&b);
  cm_session_options_init(&so);
  so.max_credits = 0.05; /* 1.5 s at 2 credits/min */
  so.on_state_change = on_state;
  so.user_data = &b;
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, &so, &s), CM_OK));

  cm_session_state paused = CM_STATE_PAUSED_BILLING, active = CM_STATE_ACTIVE;
  CHECK(render_until(&s, 1, all_in_state, &paused, 8000));
  CHECK(cm_session_get_reason(s) == CM_REASON_SPEND_CAP);
  CHECK(!cm_session_may_render(s));
  CHECK_STATUS(cm_client_flush(client, 5000), CM_OK);
  {
    const cm_session_stats st = stats_of(s);
    fprintf(stderr, "capped: %.6f credits charged, %lld ms active, %lld ms reported\n", st.credits_charged,
            (long long)st.active_ms, (long long)st.reported_ms);
    /* frame() stops metering at the cap's worth of active time, however late the scheduler
     * wakes to pause the session: the cap is never exceeded. */
    CHECK(st.credits_charged <= 0.05 + 1e-9);
  }
  CHECK_STATUS(cm_session_set_max_credits(s, -1), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_session_set_max_credits(NULL, 1), CM_E_INVALID_ARGUMENT);

  CHECK_STATUS(cm_session_set_max_credits(s, 1.0), CM_OK);
  CHECK(render_until(&s, 1, all_in_state, &active, 3000));
  credits_above above = {0.05};
  CHECK(render_until(&s, 1, charged_above, &above, 8000));
  CHECK_STATUS(cm_session_set_max_credits(s, NAN), CM_OK); /* removes it */
  CHECK(cm_session_get_state(s) == CM_STATE_ACTIVE);
  CHECK_STATUS(cm_session_stop(s), CM_OK);
  CHECK_STATUS(cm_client_flush(client, 5000), CM_OK);
  CHECK(cm_emulator_ledger_active_ms(&e.emu, cm_session_id(s)) == stats_of(s).active_ms);
  pthread_mutex_lock(&b.mutex);
  CHECK(b.saw_spend_cap);
  pthread_mutex_unlock(&b.mutex);

  cm_session_free(s);
  cm_client_free(client);
  pthread_mutex_destroy(&b.mutex);
  cm_emulator_stop(&e.emu);
}

/* A client's cap holds all its sessions; removing it resumes them; usage sums the sessions. */
static void test_client_cap_usage(void) {
  env e;
  cm_session *s[2] = {NULL, NULL};
  cm_client_usage u;
  REQUIRE(env_start(&e, "usage", 100));
  cm_client *client = new_client(&e, 0.06);
  REQUIRE(client != NULL);
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, NULL, &s[0]), CM_OK));
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, NULL, &s[1]), CM_OK));

  cm_session_state paused = CM_STATE_PAUSED_BILLING, active = CM_STATE_ACTIVE;
  CHECK(render_until(s, 2, all_in_state, &paused, 8000));
  CHECK(cm_session_get_reason(s[0]) == CM_REASON_SPEND_CAP);
  CHECK(cm_session_get_reason(s[1]) == CM_REASON_SPEND_CAP);
  CHECK_STATUS(cm_client_set_max_credits(client, -0.5), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_client_set_max_credits(NULL, 1), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_client_set_max_credits(client, NAN), CM_OK);
  CHECK(render_until(s, 2, all_in_state, &active, 3000));
  render_until(s, 2, never, NULL, 1200);
  CHECK_STATUS(cm_session_stop(s[0]), CM_OK);
  CHECK_STATUS(cm_session_stop(s[1]), CM_OK);
  CHECK_STATUS(cm_client_flush(client, 5000), CM_OK);

  const cm_session_stats a = stats_of(s[0]), b = stats_of(s[1]);
  cm_client_usage_init(&u);
  CHECK(u.struct_size == sizeof u);
  CHECK_STATUS(cm_client_get_usage(client, &u), CM_OK);
  CHECK(u.sessions == 2);
  CHECK(u.active_ms == a.active_ms + b.active_ms);
  CHECK(u.active_ms > 0);
  CHECK(u.reported_ms == u.active_ms);
  CHECK(fabs(u.credits_charged - (a.credits_charged + b.credits_charged)) < 1e-9);
  CHECK(u.heartbeats_ok == a.heartbeats_ok + b.heartbeats_ok);
  CHECK(u.heartbeats_failed == a.heartbeats_failed + b.heartbeats_failed);
  fprintf(stderr, "usage: %llu sessions, %lld ms, %.4f credits\n", (unsigned long long)u.sessions,
          (long long)u.active_ms, u.credits_charged);

  /* Misuse. */
  CHECK_STATUS(cm_client_get_usage(NULL, &u), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_client_get_usage(client, NULL), CM_E_INVALID_ARGUMENT);
  u.struct_size = sizeof(size_t);
  CHECK_STATUS(cm_client_get_usage(client, &u), CM_E_INVALID_ARGUMENT);
  u.struct_size = sizeof u + 8;
  CHECK_STATUS(cm_client_get_usage(client, &u), CM_E_INVALID_ARGUMENT);

  cm_session_free(s[0]);
  cm_session_free(s[1]);
  cm_client_free(client);
  cm_emulator_stop(&e.emu);
}

/* Estimates are floor(balance / rate) of the seed rate card. */
static void test_estimate(void) {
  env e;
  int64_t minutes = -1;
  REQUIRE(env_start(&e, "estimate", 45.5));
  cm_client *client = new_client(&e, NAN);
  REQUIRE(client != NULL);
  CHECK_STATUS(cm_client_estimate(client, "essence", "cloud", &minutes), CM_OK);
  CHECK(minutes == 22);
  CHECK_STATUS(cm_client_estimate(client, "expression", "cloud", &minutes), CM_OK);
  CHECK(minutes == 11);
  CHECK_STATUS(cm_client_estimate(client, "essence", "self_hosted", &minutes), CM_OK);
  CHECK(minutes == 45);
  CHECK_STATUS(cm_client_estimate(client, "expression", "self_hosted", &minutes), CM_OK);
  CHECK(minutes == 22);
  CHECK_STATUS(cm_client_estimate(client, "expression", "on_device", &minutes), CM_OK);
  CHECK(minutes == 22);
  CHECK_STATUS(cm_client_estimate(client, NULL, NULL, &minutes), CM_OK); /* the defaults */
  CHECK(minutes == 22);
  minutes = 7;
  CHECK_STATUS(cm_client_estimate(client, "hologram", "moon", &minutes), CM_E_INVALID_ARGUMENT);
  CHECK(minutes == 0);
  CHECK(strlen(cm_last_error()) > 0);
  CHECK_STATUS(cm_client_estimate(client, "essence", "cloud", NULL), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_client_estimate(NULL, "essence", "cloud", &minutes), CM_E_INVALID_ARGUMENT);
  cm_client_free(client);
  cm_emulator_stop(&e.emu);
}

/* Callers built against the first version of the structs: the library reads and writes only
 * what their struct_size covers (the appended fields are ignored, never touched). */
static void test_old_struct_size(void) {
  env e;
  cm_client_options co;
  cm_session_options so;
  cm_session_stats st;
  cm_client *client = NULL;
  cm_session *s = NULL;
  balances b;
  const size_t client_v1 = offsetof(cm_client_options, token_provider_user_data) + sizeof(void *);
  const size_t session_v1 = offsetof(cm_session_options, user_data) + sizeof(void *);
  const size_t stats_v1 = offsetof(cm_session_stats, grace_remaining_ms) + sizeof(int64_t);
  REQUIRE(env_start(&e, "oldsize", 100));

  cm_test_options_init(&co);
  co.struct_size = client_v1;
  co.base_url = e.emu.base_url;
  co.api_secret = e.secret;
  co.journal_dir = "";
  co.max_credits = 0; /* beyond struct_size: must be ignored (else every session would pause) */
#ifdef CM_TEST_APP_TRANSPORT
  /* Without libcurl a client needs the app's transport, which an old struct cannot carry. */
  CHECK_STATUS(cm_client_new(&co, &client), CM_E_INVALID_ARGUMENT);
  CHECK(strstr(cm_last_error(), "transport") != NULL);
  cm_emulator_stop(&e.emu);
  return;
#endif
  REQUIRE(CHECK_STATUS(cm_client_new(&co, &client), CM_OK));

  balances_init(&b);
  cm_session_options_init(&so);
  so.struct_size = session_v1;
  so.on_balance = on_balance; /* ignored */
  so.balance_user_data = (void *)1;
  so.max_credits = 0;           /* ignored */
  so.low_balance_minutes = -42; /* ignored (invalid if it were read) */
  REQUIRE(CHECK_STATUS(cm_client_start_session(client, &so, &s), CM_OK));
  render_until(&s, 1, never, NULL, 2500);
  CHECK(cm_session_get_state(s) == CM_STATE_ACTIVE);

  /* Stats: only the first version's bytes are written. */
  memset(&st, 0xab, sizeof st);
  st.struct_size = stats_v1;
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(st.heartbeats_ok >= 1);
  CHECK(st.balance > 0 && st.balance < 100);
  {
    unsigned char tail[sizeof st];
    memset(tail, 0xab, sizeof tail);
    CHECK(memcmp((const unsigned char *)&st + stats_v1, tail, sizeof st - stats_v1) == 0);
  }
  st.struct_size = stats_v1 - 1;
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_E_INVALID_ARGUMENT);
  so.struct_size = session_v1 - 1;
  cm_session *bad = NULL;
  CHECK_STATUS(cm_client_start_session(client, &so, &bad), CM_E_INVALID_ARGUMENT);
  CHECK(bad == NULL);

  /* The new size and the new fields, on the same session: a fresh stats struct. */
  cm_session_stats_init(&st);
  CHECK(st.struct_size == sizeof st);
  CHECK_STATUS(cm_session_get_stats(s, &st), CM_OK);
  CHECK(fabs(st.minutes_left - st.balance / 2) < 1e-6);

  cm_session_free(s);
  cm_client_free(client);

  /* A new-size client with an invalid new field is refused: proof it is read at full size. */
  cm_test_options_init(&co);
  co.base_url = e.emu.base_url;
  co.api_secret = e.secret;
  co.journal_dir = "";
  co.max_credits = -1;
  client = NULL;
  CHECK_STATUS(cm_client_new(&co, &client), CM_E_INVALID_ARGUMENT);
  CHECK(client == NULL);
  pthread_mutex_destroy(&b.mutex);
  cm_emulator_stop(&e.emu);
}

/* ------------------------------------------------------------------------- main */

static const cm_test_case cases[] = {
    {"balance_callback", test_balance_callback}, {"low_balance_once", test_low_balance_once},
    {"spend_cap", test_spend_cap},               {"client_cap_usage", test_client_cap_usage},
    {"estimate", test_estimate},                 {"old_struct_size", test_old_struct_size},
};

int main(int argc, char **argv) { return cm_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]); }
