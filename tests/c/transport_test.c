/* The C ABI's transport hook against a real emulator: an app that carries every request
 * itself (tests/c/test_transport.c, libcurl on the app's own threads), through an outage, with
 * calls completed inside send, calls never completed (abandoned at their timeout, cancelled,
 * their late completion ignored) and a shutdown that never waits for the app. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <creditmeter/creditmeter.h>

#include "cm_test.h"
#include "test_transport.h"

typedef struct fixture {
  cm_emulator emu;
  char secret[128];
  cm_test_transport *transport;
  cm_client *client;
} fixture;

static bool fixture_start(fixture *f, const char *name, double interval_s, double grace_s,
                          uint32_t request_timeout_ms, uint32_t shutdown_timeout_ms) {
  cm_client_options o;
  memset(f, 0, sizeof *f);
  if (!cm_emulator_start(&f->emu)) return false;
  cm_test_secret(f->secret, sizeof f->secret, name);
  if (!cm_emulator_configure(&f->emu, interval_s, grace_s) ||
      !cm_emulator_create_account(&f->emu, f->secret, "creator", 100, -1)) {
    cm_emulator_stop(&f->emu);
    return false;
  }
  f->transport = cm_test_transport_new();
  cm_client_options_init(&o);
  o.base_url = f->emu.base_url;
  o.api_secret = f->secret;
  o.journal_dir = "";
  o.request_timeout_ms = request_timeout_ms;
  o.shutdown_timeout_ms = shutdown_timeout_ms;
  cm_test_transport_install(f->transport, &o);
  if (!CHECK_STATUS(cm_client_new(&o, &f->client), CM_OK)) {
    cm_test_transport_free(f->transport);
    cm_emulator_stop(&f->emu);
    return false;
  }
  return true;
}

static void fixture_stop(fixture *f) {
  cm_client_free(f->client);
  cm_test_transport_free(f->transport);
  cm_emulator_stop(&f->emu);
}

static bool wait_stats(cm_session *s, bool (*done)(const cm_session_stats *), int64_t timeout_ms) {
  const int64_t end = cm_test_now_ms() + timeout_ms;
  cm_session_stats stats;
  do {
    cm_session_stats_init(&stats);
    if (cm_session_get_stats(s, &stats) == CM_OK && done(&stats)) return true;
    cm_test_sleep_ms(20);
  } while (cm_test_now_ms() < end);
  return false;
}

static bool has_failed_heartbeat(const cm_session_stats *s) { return s->heartbeats_failed >= 1; }
static bool has_ok_heartbeat(const cm_session_stats *s) { return s->heartbeats_ok >= 1; }

/* The ledger bills exactly what the client metered, and the transport carried it all. */
static void check_exact(fixture *f, cm_session *session) {
  cm_session_stats stats;
  CHECK_STATUS(cm_session_stop(session), CM_OK);
  CHECK_STATUS(cm_client_flush(f->client, 10000), CM_OK);
  cm_session_stats_init(&stats);
  CHECK_STATUS(cm_session_get_stats(session, &stats), CM_OK);
  CHECK(stats.active_ms > 0);
  CHECK(stats.active_ms == stats.reported_ms);
  CHECK(cm_emulator_ledger_active_ms(&f->emu, cm_session_id(session)) == stats.active_ms);
  /* The exchange and every acknowledged request (the release counts as one): all through the
   * app's stack. */
  CHECK(cm_test_transport_sends(f->transport) >= (int64_t)stats.heartbeats_ok + 1);
}

/* A session with default options on the fixture's client; NULL (the failure recorded) when
 * the start fails. */
static cm_session *fixture_session(fixture *f) {
  cm_session_options so;
  cm_session *session = NULL;
  cm_session_options_init(&so);
  if (!CHECK_STATUS(cm_client_start_session(f->client, &so, &session), CM_OK)) return NULL;
  return session;
}

/* From now on the app holds every call; the session renders `ms` meanwhile. */
static void hold_calls_while_rendering(fixture *f, cm_session *session, int64_t ms) {
  cm_test_transport_set_mode(f->transport, CM_TT_HOLD);
  cm_test_render(session, ms);
}

/* Calls the app held were given up on: cancelled. */
static void check_held_calls_cancelled(fixture *f) {
  CHECK(cm_test_transport_held(f->transport) >= 1);
  CHECK(cm_test_transport_cancels(f->transport) >= 1);
}

/* The end of a test whose session ran: stopped, flushed and billed exactly (check_exact). */
static void finish_exact(fixture *f, cm_session *session) {
  check_exact(f, session);
  cm_session_free(session);
}

/* A session through an outage (503s inside the grace): nothing lost, nothing billed twice. */
static void test_session_through_outage(void) {
  fixture f;
  cm_session *session;
  REQUIRE(fixture_start(&f, "transport_outage", 0.5, 30, 5000, 2000));
  if ((session = fixture_session(&f)) != NULL) {
    cm_test_render(session, 800);
    CHECK(cm_emulator_admin(&f.emu, "POST", "/admin/faults", "{\"mode\":\"status\",\"status\":503}", NULL, 0) == 201);
    CHECK(wait_stats(session, has_failed_heartbeat, 10000));
    cm_test_render(session, 600);
    CHECK(cm_session_may_render(session)); /* inside the grace */
    CHECK(cm_emulator_admin(&f.emu, "DELETE", "/admin/faults", NULL, NULL, 0) / 100 == 2);
    cm_test_render(session, 800);
    finish_exact(&f, session);
  }
  fixture_stop(&f);
}

/* An app that answers inside send, on the library's own thread (scheduler or caller). */
static void test_complete_inside_send(void) {
  fixture f;
  cm_session *session;
  REQUIRE(fixture_start(&f, "transport_inline", 0.5, 30, 5000, 2000));
  cm_test_transport_set_mode(f.transport, CM_TT_INLINE);
  if ((session = fixture_session(&f)) != NULL) {
    cm_test_render(session, 1200);
    CHECK(wait_stats(session, has_ok_heartbeat, 10000));
    finish_exact(&f, session);
  }
  fixture_stop(&f);
}

/* Calls the app never completes are abandoned at their timeout (offline: retried), cancelled,
 * and their late completion is ignored; once the app answers again, the usage is exact. */
static void test_abandoned_calls(void) {
  fixture f;
  cm_session *session;
  REQUIRE(fixture_start(&f, "transport_abandoned", 0.5, 30, 300, 2000));
  if ((session = fixture_session(&f)) != NULL) {
    hold_calls_while_rendering(&f, session, 600);
    CHECK(wait_stats(session, has_failed_heartbeat, 10000));
    check_held_calls_cancelled(&f);
    cm_test_transport_set_mode(f.transport, CM_TT_WORKERS);
    CHECK_STATUS(cm_test_transport_release_held(f.transport), CM_OK); /* late: ignored */
    cm_test_render(session, 600);
    finish_exact(&f, session);
  }
  fixture_stop(&f);
}

/* A start whose exchange the app never answers fails as a network error at the request
 * timeout, on the calling thread, and its call is cancelled. */
static void test_start_times_out(void) {
  fixture f;
  cm_session *session = NULL;
  cm_session_options so;
  REQUIRE(fixture_start(&f, "transport_start_timeout", 1, 30, 300, 2000));
  cm_test_transport_set_mode(f.transport, CM_TT_HOLD);
  cm_session_options_init(&so);
  CHECK_STATUS(cm_client_start_session(f.client, &so, &session), CM_E_NETWORK);
  CHECK(session == NULL);
  CHECK(cm_test_transport_cancels(f.transport) == 1);
  CHECK_STATUS(cm_test_transport_release_held(f.transport), CM_OK);
  fixture_stop(&f);
}

/* Shutdown never waits past shutdown_timeout for an app that does not answer: cm_client_free
 * returns, the held calls are cancelled, and completing them after the free is safe. */
static void test_shutdown_does_not_wait_for_the_app(void) {
  fixture f;
  cm_session *session;
  REQUIRE(fixture_start(&f, "transport_shutdown", 1, 30, 60000, 300));
  if ((session = fixture_session(&f)) != NULL) {
    hold_calls_while_rendering(&f, session, 300);
    cm_client_free(f.client); /* the release is held by the app: abandoned at the deadline */
    f.client = NULL;
    check_held_calls_cancelled(&f);
    CHECK_STATUS(cm_test_transport_release_held(f.transport), CM_OK); /* after the free */
    cm_session_free(session);
  }
  fixture_stop(&f);
}

static void noop_send(const cm_http_request *request, cm_transport_call *call, void *user_data) {
  (void)request;
  (void)user_data;
  cm_transport_fail(call, "unused");
}

static void test_invalid_arguments(void) {
  cm_client_options o;
  cm_client *client = NULL;
  cm_client_options_init(&o);
  CHECK(o.transport_send == NULL && o.transport_cancel == NULL && o.transport_user_data == NULL);
  o.base_url = "http://127.0.0.1:9";
  o.api_secret = "sk_test";
  o.transport_send = noop_send;
  o.ca_file = "/etc/ssl/certs/ca-certificates.crt"; /* the app's stack owns TLS */
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  CHECK(strstr(cm_last_error(), "transport") != NULL);
  o.ca_file = NULL;
  o.proxy = "http://proxy.example:3128";
  CHECK_STATUS(cm_client_new(&o, &client), CM_E_INVALID_ARGUMENT);
  o.proxy = NULL;
  CHECK_STATUS(cm_client_new(&o, &client), CM_OK);
  cm_client_free(client);
  CHECK_STATUS(cm_transport_complete(NULL, 200, NULL, "{}", 2), CM_E_INVALID_ARGUMENT);
  CHECK_STATUS(cm_transport_fail(NULL, "x"), CM_E_INVALID_ARGUMENT);
}

static const cm_test_case cases[] = {
    {"transport_session_through_outage", test_session_through_outage},
    {"transport_complete_inside_send", test_complete_inside_send},
    {"transport_abandoned_calls", test_abandoned_calls},
    {"transport_start_times_out", test_start_times_out},
    {"transport_shutdown", test_shutdown_does_not_wait_for_the_app},
    {"transport_invalid_arguments", test_invalid_arguments},
};

int main(int argc, char **argv) { return cm_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]); }
