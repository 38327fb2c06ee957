package io.creditmeter;

import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * What the native client calls back into: the log sink and the token provider (the transport
 * has its own {@link TransportBridge}). Held by a JNI
 * global reference until the client and all its sessions are freed. Never lets an exception
 * escape into native code: each is reported and dropped.
 */
final class ClientCallbacks {
  private final BiConsumer<LogLevel, String> log;
  private final TokenProvider tokenProvider;
  // The provider's exception on a thread inside startSession, so the start can give it as
  // the AuthenticationException's cause.
  private final ThreadLocal<Throwable> providerFailure = new ThreadLocal<>();

  ClientCallbacks(BiConsumer<LogLevel, String> log, TokenProvider tokenProvider) {
    this.log = log;
    this.tokenProvider = tokenProvider;
  }

  /** Called by JNI on any SDK thread. */
  void log(int level, byte[] message) {
    try {
      log.accept(LogLevel.fromCode(level), Arguments.string(message));
    } catch (Throwable t) {
      System.err.println("creditmeter: the log sink threw (the line is dropped):");
      t.printStackTrace();
    }
  }

  /** Called by JNI on the starting thread or the scheduler thread; null refuses. */
  byte[] exchange(byte[] sessionId) {
    try {
      String body = tokenProvider.exchange(Arguments.string(sessionId));
      return body == null ? null : body.getBytes(StandardCharsets.UTF_8);
    } catch (Throwable t) {
      providerFailure.set(t);
      report("the token provider", t);
      return null;
    }
  }

  Throwable takeProviderFailure() {
    Throwable t = providerFailure.get();
    providerFailure.remove();
    return t;
  }

  /** Something the app should fix but that costs no usage: the log sink (if any), else stderr. */
  void warn(String line) {
    if (log != null) {
      try {
        log.accept(LogLevel.WARNING, line);
        return;
      } catch (Throwable ignored) {
        // fall through to stderr
      }
    }
    System.err.println("creditmeter: " + line);
  }

  /** A listener or provider threw: tell the log sink (if any) and stderr; the SDK goes on. */
  void report(String who, Throwable t) {
    String line = who + " threw " + t + " (caught; the session goes on)";
    if (log != null) {
      try {
        log.accept(LogLevel.WARNING, line);
      } catch (Throwable ignored) {
        // the sink's own failure must not hide the first one, which stderr gets below
      }
    }
    System.err.println("creditmeter: " + line + ":");
    t.printStackTrace();
  }
}
