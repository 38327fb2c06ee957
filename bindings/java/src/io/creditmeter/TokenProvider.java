package io.creditmeter;

/**
 * Secretless mode: how an app that must not hold the API secret (a phone, a browser, a
 * customer's device) starts sessions. The provider asks the app's own backend, which holds the
 * secret, for a runtime token for {@code sessionId} and returns the body of the backend's
 * {@code POST /v1/runtime-tokens/request} answer unchanged (a JSON text).
 *
 * <p><b>Thread:</b> runs on the thread calling {@link Client#startSession(SessionOptions)} for a
 * start, and on the client's scheduler thread (attached to the JVM as a daemon) for re-attach
 * after an expired token and for recovery of an earlier process's usage. It may block (it
 * usually makes a network call); while it runs on the scheduler thread, that client's other
 * heartbeats wait.
 *
 * <p><b>Refusing:</b> returning {@code null} or throwing refuses: a start then fails with
 * {@link AuthenticationException} (whose cause is the exception thrown, if any); a renewal
 * counts as offline and is retried. A thrown exception is logged, never lost.
 *
 * <p>Kotlin: {@code ClientOptions().tokenProvider { id -> backend.tokenFor(id) }}.
 */
@FunctionalInterface
public interface TokenProvider {
  /**
   * Returns the token-exchange answer (a JSON body) for this session id.
   *
   * @param sessionId the session the token is for (1-128 of {@code [A-Za-z0-9._:-]})
   * @return the JSON body the backend got from {@code POST /v1/runtime-tokens/request}, or
   *     {@code null} to refuse
   */
  String exchange(String sessionId);
}
