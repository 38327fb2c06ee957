package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Usage events from Java: record(), their charges in the ledger, rejections, bad input. */
class EventsTest extends EmulatorSuite {
  @Test
  void recordedEventsAreChargedOnceAndCounted() {
    String secret = account(1000);
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions());
      String gpt = session.record("llm_gpt4"); // quantity 1
      String tts = session.record("tts_seconds", 12.5);
      String kb = session.record("kb_query", 2.0);
      assertEquals(36, gpt.length(), gpt);
      assertNotEquals(gpt, tts);
      assertTrue(client.flush(Duration.ofSeconds(10)), "flush settled the events");
      SessionStats stats = session.stats();
      assertEquals(3, stats.eventsRecorded(), stats.toString());
      assertEquals(3, stats.eventsAcknowledged());
      assertEquals(0, stats.eventsRejected());
      assertEquals(0, stats.eventsPending());
      assertEquals("credits", stats.unit());
      assertTrue(stats.creditsCharged() >= 10 + 1.041 + 2 - 1e-9, "the events' prices are charged: " + stats);

      Map<String, Map<?, ?>> charged = new HashMap<>();
      for (Object row : (List<?>) ((Map<?, ?>) emulator.admin("GET", "/admin/ledger", null)).get("events")) {
        Map<?, ?> event = (Map<?, ?>) row;
        if (session.id().equals(event.get("session_id"))) {
          assertTrue(charged.put((String) event.get("event_id"), event) == null, "each id charged once: " + event);
        }
      }
      assertEquals(3, charged.size(), charged.toString());
      assertEquals("llm_gpt4", charged.get(gpt).get("action"));
      assertEquals(12.5, ((Number) charged.get(tts).get("quantity")).doubleValue());
      assertEquals("kb_query", charged.get(kb).get("action"));
      Billing.stopAndCheck(emulator, client, session); // the time billing is untouched by events
    }
  }

  @Test
  void aRejectedEventReachesItsListenerOnTheCallbackThread() {
    String secret = account(1000);
    List<RejectedEvent> rejected = new CopyOnWriteArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions().onEventRejected(event -> {
        threads.add(Thread.currentThread());
        rejected.add(event);
      }));
      String id = session.record("no_such_action", 3);
      assertTrue(client.flush(Duration.ofSeconds(10)), "a rejected event counts as settled");
      assertTrue(Wait.until(() -> rejected.size() == 1, Duration.ofSeconds(5)), rejected.toString());
      RejectedEvent event = rejected.get(0);
      assertEquals(id, event.eventId());
      assertEquals("no_such_action", event.action());
      assertEquals(3.0, event.quantity());
      assertEquals("UNKNOWN_ACTION", event.code());
      assertFalse(event.message().isEmpty());
      assertEquals("creditmeter-callback", threads.get(0).getName());
      assertEquals(1, session.stats().eventsRejected());

      session.onEventRejected(null); // removed: the next rejection reaches nobody, and settles
      session.record("no_such_action");
      assertTrue(client.flush(Duration.ofSeconds(10)));
      assertEquals(2, session.stats().eventsRejected());
      assertEquals(1, rejected.size());
      session.stop();
    }
  }

  @Test
  void aRejectionAfterStopStillReachesTheListener() {
    // stop() comes before the batch is sent (it waits up to a second for more events): the
    // session is STOPPED with an event in flight, whose rejection follows STOPPED.
    String secret = account(1000);
    Recorder changes = new Recorder();
    List<String> order = new CopyOnWriteArrayList<>();
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions()
          .onStateChange(change -> {
            changes.accept(change);
            order.add(change.to().name());
          })
          .onEventRejected(event -> order.add("REJECTED " + event.code())));
      session.record("no_such_action", 1);
      session.stop();
      assertTrue(client.flush(Duration.ofSeconds(10)));
      assertTrue(Wait.until(() -> order.contains("REJECTED UNKNOWN_ACTION"), Duration.ofSeconds(5)), order.toString());
      assertTrue(changes.saw(SessionState.STOPPED), order.toString());
      // stop() queues STOPPED at once; the rejection comes with the batch's answer, after it.
      assertTrue(order.indexOf("STOPPED") < order.indexOf("REJECTED UNKNOWN_ACTION"), order.toString());
      assertEquals(0, session.stats().eventsPending());
    }
  }

  @Test
  void listenersOfAStoppedSessionAreReleasedOnceItsEventsSettled() {
    String secret = account(1000);
    try (Client client = client(secret)) {
      List<Double> balances = new CopyOnWriteArrayList<>();
      WeakReference<Session> weak = recordThenStop(client, balances);
      assertTrue(client.flush(Duration.ofSeconds(10)));
      assertTrue(Wait.until(() -> {
        System.gc();
        return weak.get() == null;
      }, Duration.ofSeconds(10)), "the session was collected: its listeners' global reference is gone");
    }
  }

  private static WeakReference<Session> recordThenStop(Client client, List<Double> balances) {
    Session session = client.startSession(new SessionOptions());
    // Listeners that refer to their own session, as app code often does.
    session.onBalance(update -> balances.add(update.balance() + session.stats().creditsCharged()));
    session.onEventRejected(event -> session.state());
    session.record("llm_gpt4", 1); // unsettled at STOPPED: its charge comes after
    session.stop();
    return new WeakReference<>(session);
  }

  @Test
  void badEventsAreIllegalArguments() {
    String secret = account(1000);
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions());
      assertThrows(IllegalArgumentException.class, () -> session.record(null));
      assertThrows(IllegalArgumentException.class, () -> session.record(""));
      assertThrows(IllegalArgumentException.class, () -> session.record("a".repeat(65)));
      assertThrows(IllegalArgumentException.class, () -> session.record("llm_gpt4", -1));
      assertThrows(IllegalArgumentException.class, () -> session.record("llm_gpt4", Double.NaN));
      assertThrows(IllegalArgumentException.class, () -> session.record("llm_gpt4", Double.POSITIVE_INFINITY));
      assertThrows(IllegalArgumentException.class, () -> new SessionOptions().onEventRejected(null));
      assertEquals(0, session.stats().eventsRecorded(), "nothing bad was recorded");
      session.stop();
      IllegalArgumentException stopped = assertThrows(IllegalArgumentException.class, () -> session.record("llm_gpt4"));
      assertTrue(stopped.getMessage().contains("stop"), stopped.getMessage());
      try (Session audio = client.startSession(new SessionOptions().audioOnly(true))) {
        assertThrows(IllegalArgumentException.class, () -> audio.record("llm_gpt4"));
      }
    }
  }

  @Test
  void eventsCreditsChargedIsTheLedgersEventChargesAndTheRestIsTime() throws Exception {
    String secret = account(1000);
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions());
      try (Renderer renderer = new Renderer(session)) {
        session.record("llm_gpt4");
        session.record("tts_seconds", 12.5); // 12500 at 83333 micro-credits: 1.041
        for (int i = 0; i < 10; i++) {
          session.record("api_request"); // 0.1 each: summed as doubles they drift below 1
        }
        assertTrue(Wait.until(() -> session.stats().activeMs() >= 1000, Duration.ofSeconds(10)), "rendered");
      }
      session.stop();
      assertTrue(client.flush(Duration.ofSeconds(10)), "flush settled time and events");
      Map<?, ?> row = emulator.ledgerSession(session.id());
      double ledgerEvents = ((Number) row.get("event_credits_charged")).doubleValue();
      double ledgerTime = ((Number) row.get("time_credits_charged")).doubleValue();
      assertEquals(12.041, ledgerEvents);
      assertTrue(ledgerTime > 0, row.toString());
      SessionStats stats = session.stats();
      assertEquals(ledgerEvents, stats.eventsCreditsCharged(), stats.toString()); // exactly
      assertEquals(ledgerTime, stats.creditsCharged() - stats.eventsCreditsCharged(), 1e-9);
      assertTrue(stats.toString().contains("(events 12.041)"), stats.toString());
    }
  }

  @Test
  void aUsdAccountSaysUsdInTheSummaryAndEveryBalanceUpdate() {
    String secret = "sk_test_java_usd_" + java.util.UUID.randomUUID().toString().replace("-", "");
    emulator.admin("POST", "/admin/accounts", "{\"api_secret\":\"" + secret + "\",\"balance\":20,\"unit\":\"USD\"}");
    List<BalanceUpdate> updates = new CopyOnWriteArrayList<>();
    try (Client client = client(secret)) {
      CreditSummary summary = client.creditSummary();
      assertEquals("USD", summary.unit(), summary.toString());
      assertEquals(20, summary.balance());
      Session session = client.startSession(new SessionOptions().onBalance(updates::add));
      session.record("photo_avatar_generation"); // 0.25
      assertTrue(client.flush(Duration.ofSeconds(10)), "flush settled the event");
      assertTrue(Wait.until(() -> updates.stream().anyMatch(u -> u.sessionCredits() == 0.25), Duration.ofSeconds(5)),
          updates.toString());
      for (BalanceUpdate u : updates) {
        assertEquals("USD", u.unit(), u.toString());
      }
      assertEquals("USD", session.stats().unit());
      assertEquals(0.25, session.stats().eventsCreditsCharged());
      session.stop();
    }
    try (Client client = client(account(50))) {
      assertEquals("credits", client.creditSummary().unit());
    }
  }
}
