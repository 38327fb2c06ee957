/* c_client: a simulated 25 fps avatar renderer metered through the creditmeter C ABI.
 *   CREDITMETER_BASE_URL=http://127.0.0.1:8765 CREDITMETER_API_SECRET=sk_... c_client --duration 10
 *   cc c_client.c $(pkg-config --cflags --libs creditmeter)
 * Each frame is gated on cm_session_may_render(); state changes are printed as they come.
 * Exit 0 when the session ran and all its usage was acknowledged, 1 on any error. */
#define _POSIX_C_SOURCE 200809L
#include <creditmeter/creditmeter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void on_state_change(cm_session *session, const cm_state_change *c, void *user_data) {
  (void)session; /* runs on the client's scheduler thread */
  printf("%s: state: %s -> %s (%s: %s)\n", (const char *)user_data, cm_session_state_str(c->from),
         cm_session_state_str(c->to), cm_reason_str(c->reason), c->message);
  fflush(stdout);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double duration_s = 10;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
      duration_s = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: %s [--duration SECONDS]\n", argv[0]);
      return 2;
    }
  }
  cm_client_options options;
  cm_client_options_init(&options); /* base_url, api_secret NULL: the CREDITMETER_* variables */
  cm_client *client = NULL;
  cm_status status = cm_client_new(&options, &client);
  if (status != CM_OK) {
    fprintf(stderr, "c_client: %s\n", cm_last_error());
    return 1;
  }
  cm_session_options session_options;
  cm_session_options_init(&session_options); /* essence / cloud */
  session_options.on_state_change = on_state_change;
  session_options.user_data = "c_client";
  cm_session *session = NULL;
  status = cm_client_start_session(client, &session_options, &session);
  if (status != CM_OK) {
    fprintf(stderr, "c_client: %s (%s)\n", cm_last_error(), cm_status_str(status));
    cm_client_free(client);
    return 1;
  }
  printf("session %s started\n", cm_session_id(session));

  long frames = 0, gated = 0;
  const struct timespec frame_time = {0, 40 * 1000 * 1000}; /* 25 fps */
  for (const double end = now_s() + duration_s; now_s() < end; nanosleep(&frame_time, NULL)) {
    if (!cm_session_may_render(session)) { /* paused: show a "paused" card instead */
      ++gated;
      continue;
    }
    /* ... render the avatar frame here ... */
    cm_session_frame(session);
    ++frames;
  }

  cm_session_stop(session);
  status = cm_client_flush(client, 5000); /* CM_OK: all acknowledged; CM_INCOMPLETE: not yet */
  cm_session_stats stats;
  cm_session_stats_init(&stats);
  cm_session_get_stats(session, &stats);
  printf("rendered %ld frames (%ld gated); active %lld ms, reported %lld ms, %.4f credits, balance %.2f\n", frames,
         gated, (long long)stats.active_ms, (long long)stats.reported_ms, stats.credits_charged, stats.balance);
  if (status != CM_OK) fprintf(stderr, "c_client: flush: %s\n", cm_status_str(status));
  cm_session_free(session);
  cm_client_free(client);
  return status == CM_OK ? 0 : 1;
}
