package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Money: out of credits pauses (PAUSED_BILLING), a top-up resumes; spending caps. */
class BillingTest extends EmulatorSuite {
  @Test
  void outOfCreditsPausesAndATopUpResumes() throws Exception {
    // 0.02 credits buy 0.6 s of essence/cloud (2 credits a minute).
    String secret = account(0.02);
    Recorder changes = new Recorder();
    AtomicReference<BalanceUpdate> low = new AtomicReference<>();
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions().onStateChange(changes).onLowBalance(low::set));
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> changes.saw(SessionState.PAUSED_BILLING, Reason.INSUFFICIENT_CREDITS),
            Wait.EVENTUALLY), "PAUSED_BILLING announced: " + changes.changes());
        assertFalse(session.mayRender());
        assertTrue(Wait.until(() -> low.get() != null, Wait.EVENTUALLY), "the low-balance alert arrived");
        session.resume(); // billing still holds the session: resume() cannot override it
        assertEquals(SessionState.PAUSED_BILLING, session.state());
        emulator.topup(secret, 10);
        assertTrue(Wait.until(() -> session.state() == SessionState.ACTIVE, Wait.EVENTUALLY),
            "the top-up resumed the session: " + changes.changes());
        long framesBefore = renderer.frames();
        assertTrue(Wait.until(() -> renderer.frames() > framesBefore + 5, Wait.EVENTUALLY), "rendering again");
      }
      SessionStats stats = Billing.stopAndCheck(emulator, client, session);
      assertTrue(stats.balance() < 10.02, stats.toString());
    }
  }

  @Test
  void aSpendingCapPausesAndRaisingItResumes() throws Exception {
    String secret = account(100);
    Recorder changes = new Recorder();
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions().maxCredits(0.01).onStateChange(changes));
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> changes.saw(SessionState.PAUSED_BILLING, Reason.SPEND_CAP), Wait.EVENTUALLY),
            "the cap paused the session: " + changes.changes());
        session.setMaxCredits(Double.POSITIVE_INFINITY);
        assertTrue(Wait.until(() -> session.state() == SessionState.ACTIVE, Wait.EVENTUALLY));
        assertTrue(renderer.frames() > 0);
      }
      Billing.stopAndCheck(emulator, client, session);
    }
  }
}
