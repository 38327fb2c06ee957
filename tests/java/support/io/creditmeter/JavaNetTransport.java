package io.creditmeter;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link HttpTransport} on {@code java.net.http.HttpClient}: {@code sendAsync}, the answer
 * delivered on other threads (the common pool, after the HttpClient's own). The tests' stand-in for OkHttp (enqueue +
 * Callback has the same shape), which is what an Android app plugs in: java.net.http is not on
 * Android. Modes make it misbehave the ways an app's stack can.
 */
final class JavaNetTransport implements HttpTransport {
  enum Mode {
    ASYNC, // sendAsync, completed on the HttpClient's threads
    INLINE, // a blocking send, completed inside send()
    HOLD, // never answers; keeps the call (the test completes it later)
    DROP, // never answers and forgets the call (a bug: the cleaner must free it)
    THROW // send() throws
  }

  private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
  volatile Mode mode = Mode.ASYNC;
  // Extra time the stack allows beyond the request's timeout: > 0 makes the library give up
  // first, so cancel() stops the transfer (and the call fails inside cancel()).
  volatile long stackSlackMs = 0;
  final AtomicInteger sends = new AtomicInteger();
  final List<TransportCall> held = new CopyOnWriteArrayList<>();
  final List<TransportCall> cancelled = new CopyOnWriteArrayList<>();
  final Set<String> cancelThreads = ConcurrentHashMap.newKeySet();
  final Set<String> sendThreads = ConcurrentHashMap.newKeySet();
  final Set<String> completionThreads = ConcurrentHashMap.newKeySet();
  final List<String> urls = new CopyOnWriteArrayList<>();
  final List<String> printed = new CopyOnWriteArrayList<>(); // each request's toString()

  @Override
  public void send(HttpRequest request, TransportCall call) {
    sends.incrementAndGet();
    sendThreads.add(Thread.currentThread().getName());
    urls.add(request.method() + " " + request.url());
    printed.add(request.toString());
    switch (mode) {
      case THROW:
        throw new IllegalStateException("a transport bug");
      case HOLD:
        held.add(call);
        return;
      case DROP:
        return;
      case INLINE:
        try {
          deliver(call, http.send(toJavaNet(request), HttpResponse.BodyHandlers.ofByteArray()), null);
        } catch (Exception e) {
          deliver(call, null, e);
        }
        return;
      default:
        CompletableFuture<HttpResponse<byte[]>> answer =
            http.sendAsync(toJavaNet(request), HttpResponse.BodyHandlers.ofByteArray());
        call.setAttachment(answer);
        // Async: never on the sending thread, even when the answer is already in (OkHttp's
        // callbacks likewise run on its dispatcher's threads).
        answer.whenCompleteAsync((response, error) -> deliver(call, response, error));
    }
  }

  @Override
  public void cancel(TransportCall call) {
    if (mode == Mode.DROP) {
      return; // keeps no reference to it either
    }
    cancelled.add(call);
    cancelThreads.add(Thread.currentThread().getName());
    Object answer = call.attachment();
    if (answer != null) {
      ((CompletableFuture<?>) answer).cancel(true); // its whenCompleteAsync then fails the call
    }
  }

  private void deliver(TransportCall call, HttpResponse<byte[]> response, Throwable error) {
    completionThreads.add(Thread.currentThread().getName());
    if (error != null) {
      call.fail(error.toString());
      return;
    }
    List<String> headers = new ArrayList<>();
    for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
      for (String value : h.getValue()) {
        headers.add(h.getKey() + ": " + value);
      }
    }
    call.complete(response.statusCode(), headers, response.body());
  }

  private java.net.http.HttpRequest toJavaNet(HttpRequest request) {
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(URI.create(request.url()))
        .timeout(Duration.ofMillis(request.timeoutMillis() + stackSlackMs));
    request.headerMap().forEach(b::header);
    if (request.method().equals("GET")) {
      b.GET();
    } else {
      b.method(request.method(), java.net.http.HttpRequest.BodyPublishers.ofByteArray(request.body()));
    }
    return b.build();
  }

  /** Completes every held call with a 503 (late: the library gave up on them); the results. */
  List<Boolean> releaseHeld() {
    List<Boolean> results = new ArrayList<>();
    for (TransportCall call : held) {
      results.add(call.complete(503, null, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    held.clear();
    return results;
  }
}
