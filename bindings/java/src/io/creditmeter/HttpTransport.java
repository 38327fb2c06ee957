package io.creditmeter;

/**
 * The app's own HTTP stack ({@link ClientOptions#transport(HttpTransport)}): on Android, OkHttp
 * with the OS's proxies, VPN, certificate store and the app's pinning, instead of the library's
 * libcurl. Every request of the client then goes through it (token exchange, heartbeats,
 * releases, credit summary, recovery of an earlier run's usage); the library keeps all of its
 * logic (idempotency keys, retries, Retry-After, grace, journal, re-attach, flush and shutdown
 * deadlines): the transport only carries bytes.
 *
 * <p><b>The contract</b> (the C ABI's {@code cm_transport_send_fn}):
 * <ul>
 *   <li>{@link #send} starts the request and returns; the answer goes to the
 *       {@link TransportCall} later, from any thread ({@link TransportCall#complete} when the
 *       server answered with any status, {@link TransportCall#fail} when there is no answer).
 *       Completing inside {@code send} is allowed.
 *   <li><b>Complete or fail every call exactly once</b>, also after {@link #cancel}: that
 *       frees the call's native handle. A second completion, and one after the call timed out
 *       or after the client was closed, is ignored safely. A call the app drops without
 *       completing it is abandoned by the library at its timeout (offline, retried); its native
 *       handle is freed by {@link Client#close()} or when the {@code TransportCall} object is
 *       garbage-collected, whichever comes first.
 *   <li>Do not follow redirects: pass a 3xx on as it is (OkHttp:
 *       {@code followRedirects(false)}, {@code followSslRedirects(false)}).
 *   <li>An exception thrown by {@code send} fails the call (it is reported to the log sink as
 *       a {@code WARNING} line and to stderr) and never reaches native code.
 * </ul>
 *
 * <p><b>Threads:</b> {@code send} runs on the client's scheduler thread (attached to the JVM
 * as a daemon, {@code creditmeter-scheduler}), or, for {@link Client#startSession} and
 * {@link Client#creditSummary()}, on the thread calling them, which then blocks until the call
 * completes or times out: never deliver that completion on the blocked thread (for instance by
 * posting it to the main looper while the main thread waits). Never called under an SDK lock.
 * Return quickly: use the stack's asynchronous call (OkHttp's {@code enqueue}, not
 * {@code execute}); while {@code send} runs on the scheduler thread, that client's other
 * requests wait.
 *
 * <p><b>SECURITY:</b> the request's headers carry the API secret ({@code api-secret}) or a
 * session token ({@code Authorization: Bearer ...}). Keep them out of the stack's logging:
 * no OkHttp {@code HttpLoggingInterceptor} at {@code HEADERS} or {@code BODY} level on this
 * client (or {@code redactHeader("Authorization")} and {@code redactHeader("api-secret")}),
 * no network inspector in release builds. {@link HttpRequest#toString()} names the headers
 * without their values.
 *
 * <p>An OkHttp transport (docs/JAVA.md, "The app's own HTTP stack", has it whole):
 * <pre>{@code
 * final class OkHttpTransport implements HttpTransport {
 *   private final OkHttpClient http = new OkHttpClient.Builder()
 *       .followRedirects(false).followSslRedirects(false).build();
 *
 *   public void send(HttpRequest request, TransportCall call) {
 *     Request.Builder b = new Request.Builder().url(request.url());
 *     request.headerMap().forEach(b::header);
 *     b.method(request.method(), request.method().equals("GET") ? null
 *         : RequestBody.create(request.body(), null));
 *     Call okCall = http.newCall(b.build());
 *     okCall.timeout().timeout(request.timeoutMillis(), TimeUnit.MILLISECONDS);
 *     call.setAttachment(okCall);
 *     okCall.enqueue(new Callback() {
 *       public void onResponse(Call c, Response response) {
 *         try (ResponseBody body = response.body()) {
 *           List<String> headers = new ArrayList<>();
 *           for (int i = 0; i < response.headers().size(); i++) {
 *             headers.add(response.headers().name(i) + ": " + response.headers().value(i));
 *           }
 *           call.complete(response.code(), headers, body == null ? new byte[0] : body.bytes());
 *         } catch (IOException e) {
 *           call.fail(e.toString());
 *         }
 *       }
 *       public void onFailure(Call c, IOException e) { call.fail(e.toString()); }
 *     });
 *   }
 *
 *   public void cancel(TransportCall call) {
 *     Object okCall = call.attachment();
 *     if (okCall != null) ((Call) okCall).cancel();   // onFailure then fails the call
 *   }
 * }
 * }</pre>
 */
public interface HttpTransport {
  /**
   * Starts {@code request} and returns; deliver the answer to {@code call} later (or inside
   * this method). See the class documentation for the threads and the rules.
   *
   * @param request the request: a fresh object the transport owns (it may keep it and its
   *     body array; the library keeps no reference to it)
   * @param call the call to complete or fail exactly once, from any thread
   */
  void send(HttpRequest request, TransportCall call);

  /**
   * Optional: the library gave up on {@code call} (its timeout passed: the request counts as
   * offline and is retried; or the client is closing). Stop the transfer if you can, and still
   * complete or fail the call once (the answer is ignored; that frees its native handle).
   * Runs on the thread that gave up (the scheduler thread, the thread calling
   * {@link Client#startSession} or {@link Client#creditSummary()}, or the thread calling
   * {@link Client#close()}), never under an SDK lock. At most once per call; at shutdown it may
   * overlap a {@link #send} of the same call still running on the scheduler thread. An
   * exception it throws is reported and dropped. The default does nothing.
   *
   * @param call the call given up on (the object {@link #send} received)
   */
  default void cancel(TransportCall call) {}
}
