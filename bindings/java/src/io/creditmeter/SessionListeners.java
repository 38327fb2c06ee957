package io.creditmeter;

import java.util.function.Consumer;

/**
 * A session's listeners, which JNI calls on the client's callback thread. Held by a JNI global
 * reference until the session's last state change (STOPPED) has been delivered, the client is
 * closed, or the session is freed, whichever comes first. Never lets an exception escape into
 * native code: each is reported and dropped.
 */
final class SessionListeners {
  private final ClientCallbacks client;
  volatile Consumer<StateChange> onStateChange;
  volatile Consumer<BalanceUpdate> onBalance;
  volatile Consumer<BalanceUpdate> onLowBalance;
  volatile Consumer<RejectedEvent> onEventRejected;

  SessionListeners(ClientCallbacks client, SessionOptions options) {
    this.client = client;
    this.onStateChange = options.onStateChange;
    this.onBalance = options.onBalance;
    this.onLowBalance = options.onLowBalance;
    this.onEventRejected = options.onEventRejected;
  }

  /** Called by JNI with the C ABI's enum values. */
  void stateChanged(int from, int to, int reason, byte[] message) {
    Consumer<StateChange> listener = onStateChange;
    if (listener == null) {
      return;
    }
    try {
      listener.accept(new StateChange(SessionState.fromCode(from), SessionState.fromCode(to),
          Reason.fromCode(reason), Arguments.string(message)));
    } catch (Throwable t) {
      client.report("the state-change listener", t);
    }
  }

  /** Called by JNI for a balance update ({@code low}: a low-balance alert). */
  void balance(boolean low, double balance, double minutesLeft, double sessionCredits, byte[] unit) {
    Consumer<BalanceUpdate> listener = low ? onLowBalance : onBalance;
    if (listener == null) {
      return;
    }
    try {
      listener.accept(new BalanceUpdate(balance, minutesLeft, sessionCredits, Arguments.string(unit)));
    } catch (Throwable t) {
      client.report(low ? "the low-balance listener" : "the balance listener", t);
    }
  }

  /** Called by JNI for a usage event the server refused for good. */
  void eventRejected(byte[] eventId, byte[] action, double quantity, byte[] code, byte[] message) {
    Consumer<RejectedEvent> listener = onEventRejected;
    if (listener == null) {
      return;
    }
    try {
      listener.accept(new RejectedEvent(Arguments.string(eventId), Arguments.string(action), quantity,
          Arguments.string(code), Arguments.string(message)));
    } catch (Throwable t) {
      client.report("the rejected-event listener", t);
    }
  }
}
