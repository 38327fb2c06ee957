package io.creditmeter;

/**
 * The JNI functions (bindings/java/jni/, registered by JNI_OnLoad). Each wraps one C ABI
 * call. Calls that can fail return the cm_status; {@link Status} turns it into an exception.
 * Session calls take their Java owner as the first argument: a live local reference keeps it
 * reachable, so the cleaner cannot free the handle while the call runs.
 */
final class Native {
  static {
    NativeLibrary.load();
  }

  private Native() {}

  static native byte[] lastError();

  static native byte[] enumName(int kind, int code);

  /** cm_default_journal_dir: where a client without journalDir journals; empty where nowhere. */
  static native byte[] defaultJournalDir();

  static native int clientNew(byte[] baseUrl, byte[] apiSecret, byte[] caFile, byte[] pinnedPublicKey,
      byte[] proxy, byte[] journalDir, int allowInsecureHttp, long shutdownTimeoutMs, long connectTimeoutMs,
      long requestTimeoutMs, long idleAfterMs, double maxCredits, int logLevel, ClientCallbacks callbacks,
      boolean withLog, boolean withTokenProvider, TransportBridge transport, long[] out);

  static native void clientFree(long client);

  static native int clientFlush(long client, long timeoutMs);

  static native int clientSetMaxCredits(long client, double credits);

  static native void clientNetworkChanged(long client, boolean reachable);

  static native int clientCreditSummary(long client, double[] amounts, Object[] texts);

  /** cm_transport_complete: frees the call (Java guarantees once). */
  static native int transportComplete(long call, int status, byte[][] headers, byte[] body);

  /** cm_transport_fail: frees the call (Java guarantees once); a null message is the library's default. */
  static native int transportFail(long call, byte[] message);

  static native int sessionStart(long client, byte[] model, byte[] surface, boolean audioOnly, byte[] sessionId,
      double lowBalanceMinutes, double lowBalanceCredits, double maxCredits, SessionListeners listeners,
      long[] out);

  static native byte[] sessionId(Object owner, long session);

  static native void frame(Object owner, long session);

  static native boolean mayRender(Object owner, long session);

  static native void noop(Object owner, long session);

  /** cm_session_record: the event's id lands in eventId[0]. */
  static native int record(Object owner, long session, byte[] action, double quantity, byte[][] eventId);

  static native int pause(Object owner, long session);

  static native int resume(Object owner, long session);

  static native int stop(Object owner, long session);

  static native int state(Object owner, long session);

  static native int stats(Object owner, long session, long[] ints, double[] doubles, byte[][] texts);

  static native int sessionSetMaxCredits(Object owner, long session, double credits);

  static native void sessionFree(long context);
}
