/* A test app's own HTTP stack for the C ABI's transport hook (transport_send): what an
 * iOS or Android app does with URLSession or OkHttp, done here with libcurl's easy interface on
 * worker threads of the app's own. Modes let the tests play a careless or slow app. */
#ifndef CM_TEST_TRANSPORT_H
#define CM_TEST_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <creditmeter/creditmeter.h>

typedef enum cm_test_transport_mode {
  CM_TT_WORKERS,   /* each call on a worker thread of the transport (the usual app) */
  CM_TT_INLINE,    /* completed inside send, on the library's thread */
  CM_TT_HOLD       /* never answered until cm_test_transport_release_held() */
} cm_test_transport_mode;

typedef struct cm_test_transport cm_test_transport;

cm_test_transport *cm_test_transport_new(void);
/* Joins the workers; completes what is still held (late completions: must be ignored). Call
 * after cm_client_free(). */
void cm_test_transport_free(cm_test_transport *t);
/* Sets transport_send/transport_cancel/transport_user_data of *o. */
void cm_test_transport_install(cm_test_transport *t, cm_client_options *o);
void cm_test_transport_set_mode(cm_test_transport *t, cm_test_transport_mode mode);

/* Counters (thread-safe). */
int64_t cm_test_transport_sends(cm_test_transport *t);
int64_t cm_test_transport_cancels(cm_test_transport *t);
int64_t cm_test_transport_held(cm_test_transport *t);
/* Completes every held call now with a 503 and returns the statuses cm_transport_complete gave
 * (CM_OK expected even when the library gave up on them). -1 when nothing was held. */
int cm_test_transport_release_held(cm_test_transport *t);

#endif /* CM_TEST_TRANSPORT_H */
