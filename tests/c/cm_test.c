/* The C test harness: see cm_test.h. POSIX (posix_spawn, nanosleep) and libcurl. */
#define _POSIX_C_SOURCE 200809L

#include "cm_test.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <creditmeter/creditmeter.h>

extern char **environ;

int cm_test_failures = 0;

bool cm_test_check_status(int got, int expected, const char *expr, const char *file, int line) {
  if (got == expected) return true;
  fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s); cm_last_error: %s\n", file, line, expr, got,
          cm_status_str((cm_status)got), expected, cm_status_str((cm_status)expected), cm_last_error());
  ++cm_test_failures;
  return false;
}

int64_t cm_test_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cm_test_sleep_ms(int64_t ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* A simulated 25 fps renderer on the calling thread, gated on may_render(), for duration_ms.
 * Returns the time it rendered: first to last frame of each unbroken active stretch. */
int64_t cm_test_render(cm_session *session, int64_t duration_ms) {
  const int64_t end = cm_test_now_ms() + duration_ms;
  int64_t rendered = 0, stretch_start = -1, last = -1;
  while (cm_test_now_ms() < end) {
    if (cm_session_may_render(session)) {
      const int64_t now = cm_test_now_ms();
      cm_session_frame(session);
      if (stretch_start < 0) stretch_start = now;
      last = now;
    } else if (stretch_start >= 0) {
      rendered += last - stretch_start;
      stretch_start = -1;
    }
    cm_test_sleep_ms(40);
  }
  if (stretch_start >= 0) rendered += last - stretch_start;
  return rendered;
}

/* ------------------------------------------------------------------------- options */

#ifdef CM_TEST_APP_TRANSPORT
#include "test_transport.h"
#endif

void cm_test_options_init(cm_client_options *options) {
  cm_client_options_init(options);
#ifdef CM_TEST_APP_TRANSPORT
  /* A library without libcurl: every client carries its requests through the test app's
   * stack. One for the process, never freed (clients of every test share it). */
  static cm_test_transport *shared = NULL;
  if (shared == NULL) shared = cm_test_transport_new();
  cm_test_transport_install(shared, options);
#endif
}

cm_client *cm_test_new_client(const char *base_url, const char *secret) {
  cm_client_options o;
  cm_client *client = NULL;
  cm_test_options_init(&o);
  o.base_url = base_url;
  o.api_secret = secret;
  o.journal_dir = ""; /* no journal: tests write nothing to disk */
  o.connect_timeout_ms = 2000;
  if (!CHECK_STATUS(cm_client_new(&o, &client), CM_OK)) return NULL;
  return client;
}

/* ------------------------------------------------------------------------- emulator */

static const char *emulator_path(void) {
  const char *env = getenv("CREDITMETER_EMULATOR");
  if (env != NULL && env[0] != '\0') return env;
#ifdef CREDITMETER_EMULATOR_PATH
  return CREDITMETER_EMULATOR_PATH;
#else
  return "creditmeter-emulator";
#endif
}

static int read_port(const char *path) {
  FILE *f = fopen(path, "r");
  int port = 0;
  if (f == NULL) return 0;
  if (fscanf(f, "%d", &port) != 1) port = 0;
  fclose(f);
  return port;
}

bool cm_emulator_start(cm_emulator *emu) {
  char port_file[300];
  const char *tmp = getenv("TMPDIR");
  memset(emu, 0, sizeof *emu);
  emu->pid = -1;
  snprintf(emu->dir, sizeof emu->dir, "%s/cm-c-test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
  if (mkdtemp(emu->dir) == NULL) {
    fprintf(stderr, "mkdtemp failed: %s\n", strerror(errno));
    return false;
  }
  snprintf(port_file, sizeof port_file, "%s/port", emu->dir);

  char *argv[] = {(char *)emulator_path(), "--host", "127.0.0.1", "--port", "0", "--port-file", port_file,
                  "--quiet", NULL};
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
  if (rc != 0) {
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(rc));
    return false;
  }
  const int64_t deadline = cm_test_now_ms() + 10000;
  while (cm_test_now_ms() < deadline) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      fprintf(stderr, "%s exited before listening\n", argv[0]);
      return false;
    }
    emu->port = read_port(port_file);
    if (emu->port > 0) {
      emu->pid = (int)pid;
      snprintf(emu->base_url, sizeof emu->base_url, "http://127.0.0.1:%d", emu->port);
      return true;
    }
    cm_test_sleep_ms(5);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  fprintf(stderr, "%s did not listen within 10 s\n", argv[0]);
  return false;
}

void cm_emulator_stop(cm_emulator *emu) {
  char path[300];
  if (emu->pid > 0) {
    kill((pid_t)emu->pid, SIGTERM);
    const int64_t deadline = cm_test_now_ms() + 5000;
    int status;
    while (waitpid((pid_t)emu->pid, &status, WNOHANG) != (pid_t)emu->pid) {
      if (cm_test_now_ms() > deadline) {
        kill((pid_t)emu->pid, SIGKILL);
        waitpid((pid_t)emu->pid, &status, 0);
        break;
      }
      cm_test_sleep_ms(5);
    }
    emu->pid = -1;
  }
  if (emu->dir[0] != '\0') {
    snprintf(path, sizeof path, "%s/port", emu->dir);
    remove(path);
    rmdir(emu->dir);
    emu->dir[0] = '\0';
  }
}

/* ------------------------------------------------------------------------- HTTP */

typedef struct buffer {
  char *data;
  size_t size;
  size_t used;
} buffer;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
  buffer *b = (buffer *)userdata;
  const size_t n = size * nmemb;
  if (b->data != NULL && b->size > 0) {
    size_t room = b->size - 1 - b->used;
    size_t take = n < room ? n : room;
    memcpy(b->data + b->used, ptr, take);
    b->used += take;
    b->data[b->used] = '\0';
  }
  return n;
}

static int http(const char *method, const char *url, const char *header, const char *body, char *out,
                size_t out_size) {
  static bool initialised = false;
  if (!initialised) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    initialised = true;
  }
  CURL *curl = curl_easy_init();
  struct curl_slist *headers = NULL;
  buffer b = {out, out_size, 0};
  long status = 0;
  if (out != NULL && out_size > 0) out[0] = '\0';
  if (curl == NULL) return 0;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  if (header != NULL) headers = curl_slist_append(headers, header);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  if (body != NULL) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return (int)status;
}

int cm_emulator_admin(const cm_emulator *emu, const char *method, const char *path, const char *body, char *out,
                      size_t out_size) {
  char url[512];
  snprintf(url, sizeof url, "%s%s", emu->base_url, path);
  return http(method, url, NULL, body, out, out_size);
}

bool cm_emulator_create_account(const cm_emulator *emu, const char *secret, const char *plan, double balance,
                                int max_concurrent) {
  char body[512];
  char answer[1024];
  if (max_concurrent >= 0) {
    snprintf(body, sizeof body, "{\"api_secret\":\"%s\",\"plan\":\"%s\",\"balance\":%.6f,\"max_concurrent\":%d}",
             secret, plan, balance, max_concurrent);
  } else {
    snprintf(body, sizeof body, "{\"api_secret\":\"%s\",\"plan\":\"%s\",\"balance\":%.6f}", secret, plan, balance);
  }
  const int status = cm_emulator_admin(emu, "POST", "/admin/accounts", body, answer, sizeof answer);
  if (status < 200 || status >= 300) fprintf(stderr, "create account: HTTP %d %s\n", status, answer);
  return status >= 200 && status < 300;
}

bool cm_emulator_configure(const cm_emulator *emu, double heartbeat_interval_s, double offline_grace_s) {
  char body[256];
  snprintf(body, sizeof body, "{\"heartbeat_interval_s\":%.3f,\"offline_grace_s\":%.3f}", heartbeat_interval_s,
           offline_grace_s);
  const int status = cm_emulator_admin(emu, "POST", "/admin/config", body, NULL, 0);
  return status >= 200 && status < 300;
}

/* Finds `"key":` inside [begin, end) and parses the number after it. */
static bool find_number(const char *begin, const char *end, const char *key, int64_t *value) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\"", key);
  const size_t n = strlen(pattern);
  for (const char *p = begin; p + n <= end; ++p) {
    if (memcmp(p, pattern, n) != 0) continue;
    const char *q = p + n;
    while (q < end && (*q == ' ' || *q == ':')) ++q;
    char *stop;
    const double v = strtod(q, &stop);
    if (stop == q) return false;
    *value = (int64_t)v;
    return true;
  }
  return false;
}

int64_t cm_emulator_ledger_active_ms(const cm_emulator *emu, const char *session_id) {
  static char ledger[1 << 16];
  char pattern[200];
  if (cm_emulator_admin(emu, "GET", "/admin/ledger", NULL, ledger, sizeof ledger) != 200) return -1;
  snprintf(pattern, sizeof pattern, "\"%s\"", session_id);
  const char *hit = strstr(ledger, pattern);
  if (hit == NULL) return -1;
  /* The row is the innermost object around the id: its fields are flat. */
  const char *begin = hit;
  while (begin > ledger && *begin != '{') --begin;
  const char *end = strchr(hit, '}');
  if (end == NULL) return -1;
  int64_t active = -1;
  if (!find_number(begin, end, "active_ms", &active)) return -1;
  return active;
}

int cm_emulator_token_request(const cm_emulator *emu, const char *secret, const char *session_id, char *out,
                              size_t out_size) {
  char url[300], header[300], body[300];
  snprintf(url, sizeof url, "%s/v1/runtime-tokens/request", emu->base_url);
  snprintf(header, sizeof header, "api-secret: %s", secret);
  snprintf(body, sizeof body, "{\"session_id\":\"%s\",\"model\":\"essence\",\"surface\":\"cloud\"}", session_id);
  return http("POST", url, header, body, out, out_size);
}

void cm_test_secret(char *out, size_t size, const char *name) {
  static int n = 0;
  snprintf(out, size, "sk_c_%s_%ld_%d_%lld", name, (long)getpid(), ++n, (long long)cm_test_now_ms());
}

int cm_test_closed_port(void) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 9;
  if (fd < 0) return port;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 && getsockname(fd, (struct sockaddr *)&addr, &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

int cm_test_main(int argc, char **argv, const cm_test_case *cases, size_t n) {
  int ran = 0;
  unsetenv("CREDITMETER_BASE_URL");
  unsetenv("CREDITMETER_API_SECRET");
  setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  setenv("no_proxy", "127.0.0.1,localhost", 1);
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < n; ++i) printf("%s\n", cases[i].name);
    return 0;
  }
  for (size_t i = 0; i < n; ++i) {
    bool selected = argc <= 1;
    for (int a = 1; a < argc; ++a) selected = selected || strcmp(argv[a], cases[i].name) == 0;
    if (!selected) continue;
    const int before = cm_test_failures;
    const int64_t t0 = cm_test_now_ms();
    cases[i].run();
    ++ran;
    printf("%s %s (%lld ms)\n", cm_test_failures == before ? "PASS" : "FAIL", cases[i].name,
           (long long)(cm_test_now_ms() - t0));
  }
  if (ran == 0) {
    fprintf(stderr, "no test case matched\n");
    return 2;
  }
  return cm_test_failures == 0 ? 0 : 1;
}
