/* The test app's HTTP stack: see test_transport.h. */
#define _POSIX_C_SOURCE 200809L

#include "test_transport.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

enum { WORKERS = 4, MAX_HELD = 64 };

typedef struct job {
  struct job *next;
  cm_transport_call *call;
  char *method, *url, *body;
  size_t body_len;
  struct curl_slist *headers;
  long timeout_ms;
} job;

struct cm_test_transport {
  pthread_mutex_t mutex;
  pthread_cond_t changed;
  pthread_t workers[WORKERS];
  job *head, *tail;
  bool quit;
  cm_test_transport_mode mode;
  int64_t sends, cancels;
  cm_transport_call *held[MAX_HELD];
  int held_count;
};

typedef struct buffer {
  char *data;
  size_t len;
} buffer;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user) {
  buffer *b = (buffer *)user;
  const size_t n = size * nmemb;
  char *grown = (char *)realloc(b->data, b->len + n + 1);
  if (grown == NULL) return 0;
  b->data = grown;
  memcpy(b->data + b->len, ptr, n);
  b->len += n;
  b->data[b->len] = '\0';
  return n;
}

/* Keeps the header lines (without CRLF) an app would hand back; NULL-terminated. */
typedef struct header_lines {
  char *lines[32];
  int count;
} header_lines;

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user) {
  header_lines *h = (header_lines *)user;
  size_t n = size * nmemb;
  size_t len = n;
  while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n')) --len;
  if (len > 0 && memchr(ptr, ':', len) != NULL && h->count < 31) {
    char *line = (char *)malloc(len + 1);
    if (line != NULL) {
      memcpy(line, ptr, len);
      line[len] = '\0';
      h->lines[h->count++] = line;
    }
  }
  return n;
}

/* Carries one request with libcurl and completes its call: the whole job of an app's stack. */
static void carry(job *j) {
  buffer body = {NULL, 0};
  header_lines headers;
  long status = 0;
  CURL *curl = curl_easy_init();
  CURLcode rc = CURLE_FAILED_INIT;
  memset(&headers, 0, sizeof headers);
  if (curl != NULL) {
    curl_easy_setopt(curl, CURLOPT_URL, j->url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, j->method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, j->headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, j->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    if (strcmp(j->method, "POST") == 0) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, j->body);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)j->body_len);
    }
    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
  }
  if (rc == CURLE_OK) {
    cm_transport_complete(j->call, (int)status, (const char *const *)headers.lines, body.data, body.len);
  } else {
    cm_transport_fail(j->call, curl_easy_strerror(rc));
  }
  for (int i = 0; i < headers.count; ++i) free(headers.lines[i]);
  free(body.data);
}

static void job_free(job *j) {
  curl_slist_free_all(j->headers);
  free(j->method);
  free(j->url);
  free(j->body);
  free(j);
}

static char *copy_bytes(const char *s, size_t n) {
  char *out = (char *)malloc(n + 1);
  if (out == NULL) abort();
  memcpy(out, s, n);
  out[n] = '\0';
  return out;
}

static void *worker(void *arg) {
  cm_test_transport *t = (cm_test_transport *)arg;
  for (;;) {
    job *j;
    pthread_mutex_lock(&t->mutex);
    while (t->head == NULL && !t->quit) pthread_cond_wait(&t->changed, &t->mutex);
    j = t->head;
    if (j == NULL) {
      pthread_mutex_unlock(&t->mutex);
      return NULL;
    }
    t->head = j->next;
    if (t->head == NULL) t->tail = NULL;
    pthread_mutex_unlock(&t->mutex);
    carry(j);
    job_free(j);
  }
}

static void on_send(const cm_http_request *request, cm_transport_call *call, void *user_data) {
  cm_test_transport *t = (cm_test_transport *)user_data;
  job *j = (job *)calloc(1, sizeof *j);
  cm_test_transport_mode mode;
  if (j == NULL) abort();
  /* The request is valid during this call only: copy it. */
  j->call = call;
  j->method = copy_bytes(request->method, strlen(request->method));
  j->url = copy_bytes(request->url, strlen(request->url));
  j->body = copy_bytes(request->body, request->body_len);
  j->body_len = request->body_len;
  j->timeout_ms = (long)request->timeout_ms;
  pthread_mutex_lock(&t->mutex);
  ++t->sends;
  for (const char *const *h = request->headers; *h != NULL; ++h) j->headers = curl_slist_append(j->headers, *h);
  mode = t->mode;
  if (mode == CM_TT_HOLD && t->held_count < MAX_HELD) {
    t->held[t->held_count++] = call;
    pthread_mutex_unlock(&t->mutex);
    job_free(j);
    return;
  }
  if (mode == CM_TT_WORKERS) {
    if (t->tail != NULL) t->tail->next = j;
    else t->head = j;
    t->tail = j;
    pthread_cond_signal(&t->changed);
    pthread_mutex_unlock(&t->mutex);
    return;
  }
  pthread_mutex_unlock(&t->mutex);
  carry(j); /* CM_TT_INLINE: completes inside send */
  job_free(j);
}

static void on_cancel(cm_transport_call *call, void *user_data) {
  cm_test_transport *t = (cm_test_transport *)user_data;
  (void)call; /* a held call stays held: its late completion must be ignored */
  pthread_mutex_lock(&t->mutex);
  ++t->cancels;
  pthread_mutex_unlock(&t->mutex);
}

cm_test_transport *cm_test_transport_new(void) {
  cm_test_transport *t = (cm_test_transport *)calloc(1, sizeof *t);
  if (t == NULL) abort();
  pthread_mutex_init(&t->mutex, NULL);
  pthread_cond_init(&t->changed, NULL);
  t->mode = CM_TT_WORKERS;
  for (int i = 0; i < WORKERS; ++i) pthread_create(&t->workers[i], NULL, worker, t);
  return t;
}

void cm_test_transport_free(cm_test_transport *t) {
  if (t == NULL) return;
  pthread_mutex_lock(&t->mutex);
  t->quit = true;
  pthread_cond_broadcast(&t->changed);
  pthread_mutex_unlock(&t->mutex);
  for (int i = 0; i < WORKERS; ++i) pthread_join(t->workers[i], NULL);
  cm_test_transport_release_held(t);
  pthread_cond_destroy(&t->changed);
  pthread_mutex_destroy(&t->mutex);
  free(t);
}

void cm_test_transport_install(cm_test_transport *t, cm_client_options *o) {
  o->transport_send = on_send;
  o->transport_cancel = on_cancel;
  o->transport_user_data = t;
}

void cm_test_transport_set_mode(cm_test_transport *t, cm_test_transport_mode mode) {
  pthread_mutex_lock(&t->mutex);
  t->mode = mode;
  pthread_mutex_unlock(&t->mutex);
}

static int64_t read_counter(cm_test_transport *t, const int64_t *counter) {
  int64_t v;
  pthread_mutex_lock(&t->mutex);
  v = *counter;
  pthread_mutex_unlock(&t->mutex);
  return v;
}

int64_t cm_test_transport_sends(cm_test_transport *t) { return read_counter(t, &t->sends); }
int64_t cm_test_transport_cancels(cm_test_transport *t) { return read_counter(t, &t->cancels); }

int64_t cm_test_transport_held(cm_test_transport *t) {
  int64_t v;
  pthread_mutex_lock(&t->mutex);
  v = t->held_count;
  pthread_mutex_unlock(&t->mutex);
  return v;
}

int cm_test_transport_release_held(cm_test_transport *t) {
  cm_transport_call *held[MAX_HELD];
  int n, result = -1;
  pthread_mutex_lock(&t->mutex);
  n = t->held_count;
  memcpy(held, t->held, sizeof held);
  t->held_count = 0;
  pthread_mutex_unlock(&t->mutex);
  for (int i = 0; i < n; ++i) {
    const int rc = (int)cm_transport_complete(held[i], 503, NULL, "{}", 2);
    if (result == -1 || rc != 0) result = rc;
  }
  return result;
}
