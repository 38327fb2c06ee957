package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Outages: inside the grace rendering goes on; past it the session pauses, announced, and resumes. */
class OfflineTest extends EmulatorSuite {
  @BeforeAll
  static void shortGrace() {
    // An outage shorter than grace - interval - backoff cap (3 - 0.5 - 0.5 s) never pauses.
    emulator.configure(0.5, 3);
  }

  @Test
  void anOutageInsideTheGraceNeverPausesAndLosesNothing() throws Exception {
    String secret = account(100);
    Recorder changes = new Recorder();
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions().onStateChange(changes));
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 1, Duration.ofSeconds(10)));
        emulator.fault("{\"mode\":\"refuse\"}");
        assertTrue(Wait.until(() -> session.stats().heartbeatsFailed() >= 2, Duration.ofSeconds(10)),
            "heartbeats failed during the outage: " + session.stats());
        assertTrue(session.stats().graceRemainingMs() > 0);
        emulator.clearFaults();
        long okBefore = session.stats().heartbeatsOk();
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() > okBefore, Duration.ofSeconds(10)),
            "a heartbeat got through after the outage");
        assertEquals(0, renderer.gated(), "rendering never paused");
      }
      assertFalse(changes.saw(SessionState.PAUSED_OFFLINE), changes.changes().toString());
      Billing.stopAndCheck(emulator, client, session);
    }
  }

  @Test
  void pastTheGraceTheSessionPausesAnnouncedAndResumesWhenTheServerIsBack() throws Exception {
    String secret = account(100);
    Recorder changes = new Recorder();
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions().onStateChange(changes));
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> renderer.frames() > 10, Duration.ofSeconds(10)));
        emulator.fault("{\"mode\":\"refuse\"}");
        assertTrue(Wait.until(() -> changes.saw(SessionState.PAUSED_OFFLINE, Reason.GRACE_EXPIRED), Duration.ofSeconds(20)),
            "PAUSED_OFFLINE announced: " + changes.changes());
        assertFalse(session.mayRender(), "offline past the grace never renders");
        assertEquals(SessionState.PAUSED_OFFLINE, session.state());
        emulator.clearFaults();
        assertTrue(Wait.until(() -> session.state() == SessionState.ACTIVE, Duration.ofSeconds(20)),
            "back to ACTIVE once the server answers: " + changes.changes());
        assertTrue(Wait.until(() -> changes.saw(SessionState.ACTIVE, Reason.NONE), Duration.ofSeconds(5)));
      }
      Billing.stopAndCheck(emulator, client, session); // the offline period's usage arrived, once
    }
  }

  @Test
  void networkChangedRetriesAWaitingHeartbeatAtOnce() throws Exception {
    String secret = account(100);
    try (Client client = client(secret)) {
      client.networkChanged(false); // the OS says offline: no crash, retries slow down
      client.networkChanged(true);
      Session session = client.startSession(new SessionOptions());
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 1, Duration.ofSeconds(10)));
        emulator.fault("{\"mode\":\"refuse\"}");
        assertTrue(Wait.until(() -> session.stats().heartbeatsFailed() >= 2, Duration.ofSeconds(10)));
        client.networkChanged(false);
        emulator.clearFaults();
        long okBefore = session.stats().heartbeatsOk();
        client.networkChanged(true); // the waiting heartbeat goes now, not after its backoff
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() > okBefore, Duration.ofSeconds(5)),
            "the waiting heartbeat was retried: " + session.stats());
        assertTrue(renderer.frames() > 0);
      }
      Billing.stopAndCheck(emulator, client, session);
      client.close();
      client.networkChanged(true); // a closed client: nothing happens
    }
  }
}
