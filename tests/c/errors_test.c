/* What the C ABI tells about a failed call beyond its status, against a real
 * creditmeter-emulator: cm_last_error_http_status(), cm_last_error_retry_after_ms() and
 * cm_last_error_code(); and a token provider handing over its backend's refusal, which fails
 * the start with the matching status (not as an unreadable answer).
 *   creditmeter_c_error_tests <case>...   (no argument: every case) */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include <creditmeter/creditmeter.h>

#include "cm_test.h"

static bool add_fault(const cm_emulator *emu, const char *rule) {
  return cm_emulator_admin(emu, "POST", "/admin/faults", rule, NULL, 0) / 100 == 2;
}

static bool clear_faults(const cm_emulator *emu) {
  return cm_emulator_admin(emu, "DELETE", "/admin/faults", NULL, NULL, 0) / 100 == 2;
}

/* A 429 and a 503 with Retry-After: the wait is on the error; the details follow each error
 * and are reset by one without them. */
static void test_error_retry_after(void) {
  cm_emulator emu;
  char secret[128], poor[128];
  cm_client *client = NULL;
  cm_session *session = NULL;
  cm_credit_summary *summary = NULL;

  REQUIRE(cm_emulator_start(&emu));
  cm_test_secret(secret, sizeof secret, "retry_after");
  REQUIRE(cm_emulator_create_account(&emu, secret, "creator", 50, -1));
  client = cm_test_new_client(emu.base_url, secret);
  REQUIRE(client != NULL);

  REQUIRE(add_fault(&emu, "{\"mode\":\"status\",\"status\":429,\"retry_after\":9,\"count\":1}"));
  CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_NETWORK);
  CHECK(session == NULL);
  CHECK(cm_last_error_http_status() == 429);
  CHECK(cm_last_error_retry_after_ms() == 9000);
  CHECK(strcmp(cm_last_error_code(), "RATE_LIMITED") == 0);
  CHECK(strstr(cm_last_error(), "retry in 9 s") != NULL);

  /* A failure without an answer resets them. */
  CHECK_STATUS(cm_client_start_session(client, NULL, NULL), CM_E_INVALID_ARGUMENT);
  CHECK(cm_last_error_http_status() == 0);
  CHECK(cm_last_error_retry_after_ms() == 0);
  CHECK(strcmp(cm_last_error_code(), "") == 0);

  /* A 503 of the credit summary, with its own wait. */
  REQUIRE(add_fault(&emu, "{\"mode\":\"status\",\"status\":503,\"retry_after\":4,\"count\":1}"));
  CHECK_STATUS(cm_client_credit_summary(client, &summary), CM_E_NETWORK);
  CHECK(summary == NULL);
  CHECK(cm_last_error_http_status() == 503);
  CHECK(cm_last_error_retry_after_ms() == 4000);
  CHECK(strcmp(cm_last_error_code(), "SERVICE_UNAVAILABLE") == 0);

  /* A 429 without Retry-After: no wait said. */
  REQUIRE(add_fault(&emu, "{\"mode\":\"status\",\"status\":429,\"count\":1}"));
  CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_NETWORK);
  CHECK(cm_last_error_http_status() == 429);
  CHECK(cm_last_error_retry_after_ms() == 0);
  CHECK(clear_faults(&emu));

  /* A refusal without a wait: 402, with the server's code. */
  cm_test_secret(poor, sizeof poor, "retry_after_poor");
  CHECK(cm_emulator_create_account(&emu, poor, "free", 0, -1));
  cm_client_free(client);
  client = cm_test_new_client(emu.base_url, poor);
  if (client != NULL) {
    CHECK_STATUS(cm_client_start_session(client, NULL, &session), CM_E_INSUFFICIENT_CREDITS);
    CHECK(cm_last_error_http_status() == 402);
    CHECK(cm_last_error_retry_after_ms() == 0);
    CHECK(strcmp(cm_last_error_code(), "INSUFFICIENT_BALANCE") == 0);
  }

  /* Still the first client's: the details are per thread and survive successful calls. */
  CHECK(cm_version()[0] != '\0');
  CHECK(cm_last_error_http_status() == 402);
  cm_client_free(client);
  cm_emulator_stop(&emu);
}

/* The provider plays the app's backend and hands over whatever the emulator answered it. */
typedef struct backend {
  const cm_emulator *emu;
  const char *secret;
  const char *fixed_body; /* when set, handed over instead of asking the emulator */
} backend;

static cm_status forwarding_provider(const char *session_id, cm_token_sink *sink, void *user_data) {
  backend *b = (backend *)user_data;
  static char body[8192];
  if (b->fixed_body != NULL) return cm_token_sink_set(sink, b->fixed_body);
  body[0] = '\0';
  if (cm_emulator_token_request(b->emu, b->secret, session_id, body, sizeof body) == 0) return CM_E_NETWORK;
  return cm_token_sink_set(sink, body); /* a refusal's body too, unchanged */
}

static cm_client *new_secretless_client(const cm_emulator *emu, backend *b) {
  cm_client_options o;
  cm_client *client = NULL;
  cm_test_options_init(&o);
  o.base_url = emu->base_url;
  o.api_secret = NULL;
  o.journal_dir = "";
  o.token_provider = forwarding_provider;
  o.token_provider_user_data = b;
  if (!CHECK_STATUS(cm_client_new(&o, &client), CM_OK)) return NULL;
  return client;
}

/* Expects a start through `b` to fail with `status` and the backend's code, said to be the
 * provider's. */
static void check_refused_start(cm_client *client, cm_status status, int http_status, const char *code) {
  cm_session *session = NULL;
  CHECK_STATUS(cm_client_start_session(client, NULL, &session), status);
  CHECK(session == NULL);
  CHECK(cm_last_error_http_status() == http_status);
  CHECK(strcmp(cm_last_error_code(), code) == 0);
  CHECK(strstr(cm_last_error(), "token provider") != NULL);
  CHECK(strstr(cm_last_error(), "unreadable") == NULL);
  CHECK(strstr(cm_last_error(), "unusable") == NULL);
}

static void test_provider_error_body(void) {
  cm_emulator emu;
  char poor[128], busy[128], unknown[128], revoked[128];
  cm_client *client = NULL;
  cm_session *first = NULL;
  backend b;

  REQUIRE(cm_emulator_start(&emu));
  cm_test_secret(poor, sizeof poor, "provider_poor");
  cm_test_secret(busy, sizeof busy, "provider_busy");
  cm_test_secret(unknown, sizeof unknown, "provider_unknown");
  cm_test_secret(revoked, sizeof revoked, "provider_revoked");
  REQUIRE(cm_emulator_create_account(&emu, poor, "free", 0, -1));
  REQUIRE(cm_emulator_create_account(&emu, busy, "creator", 100, 1));
  REQUIRE(cm_emulator_create_account(&emu, revoked, "creator", 100, -1));
  memset(&b, 0, sizeof b);
  b.emu = &emu;
  client = new_secretless_client(&emu, &b);
  REQUIRE(client != NULL);

  /* The backend's 402, 401 and 403s, each as the emulator wrote it. */
  b.secret = poor;
  check_refused_start(client, CM_E_INSUFFICIENT_CREDITS, 402, "INSUFFICIENT_BALANCE");
  b.secret = unknown;
  check_refused_start(client, CM_E_AUTHENTICATION, 401, "INVALID_API_SECRET");
  b.secret = busy;
  if (CHECK_STATUS(cm_client_start_session(client, NULL, &first), CM_OK)) {
    check_refused_start(client, CM_E_CONCURRENCY_LIMIT, 403, "CONCURRENCY_LIMIT_REACHED");
    CHECK(strstr(cm_last_error(), "1 concurrent") != NULL); /* the plan's limit */
    cm_session_free(first);
    CHECK_STATUS(cm_client_flush(client, 10000), CM_OK); /* its release is in: the slot is free */
  }
  {
    char body[256];
    snprintf(body, sizeof body, "{\"api_secret\":\"%s\"}", revoked);
    CHECK(cm_emulator_admin(&emu, "POST", "/admin/accounts/revoke", body, NULL, 0) / 100 == 2);
    b.secret = revoked;
    check_refused_start(client, CM_E_AUTHENTICATION, 403, "KEY_REVOKED");
  }
  /* The billing server unavailable to the backend: a network error, not the provider's fault. */
  b.secret = busy;
  REQUIRE(add_fault(&emu, "{\"mode\":\"status\",\"status\":503,\"count\":1,"
                          "\"path\":\"/v1/runtime-tokens/request\"}"));
  check_refused_start(client, CM_E_NETWORK, 503, "SERVICE_UNAVAILABLE");
  CHECK(clear_faults(&emu));

  /* A backend that kept only the error object: its code says the status. */
  b.fixed_body = "{\"error\":{\"code\":\"INSUFFICIENT_BALANCE\",\"message\":\"top up\"}}";
  check_refused_start(client, CM_E_INSUFFICIENT_CREDITS, 402, "INSUFFICIENT_BALANCE");
  CHECK(strstr(cm_last_error(), "top up") != NULL);
  /* An error the provider's answer cannot place: unusable, with the code it held. */
  b.fixed_body = "{\"error\":{\"code\":\"SOMETHING_ELSE\",\"message\":\"no idea\"}}";
  CHECK_STATUS(cm_client_start_session(client, NULL, &first), CM_E_AUTHENTICATION);
  CHECK(strstr(cm_last_error(), "SOMETHING_ELSE") != NULL);
  CHECK(strcmp(cm_last_error_code(), "SOMETHING_ELSE") == 0);

  cm_client_free(client);
  cm_emulator_stop(&emu);
}

static const cm_test_case cases[] = {
    {"error_retry_after", test_error_retry_after},
    {"provider_error_body", test_provider_error_body},
};

int main(int argc, char **argv) { return cm_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]); }
