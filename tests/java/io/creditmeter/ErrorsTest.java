package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every exception type, and bad arguments: a typed exception, never a JVM crash. */
class ErrorsTest {
  private static Emulator emulator;
  @TempDir Path journal;

  @BeforeAll
  static void startEmulator() throws Exception {
    emulator = new Emulator();
  }

  @AfterAll
  static void stopEmulator() {
    emulator.close();
  }

  @AfterEach
  void clearFaults() {
    emulator.clearFaults();
  }

  @Test
  void aWrongSecretIsAnAuthenticationException() {
    String secret = "sk_test_java_unknown";
    try (Client client = new Client(emulator.options(secret, journal))) {
      AuthenticationException e = assertThrows(AuthenticationException.class, () -> client.startSession(new SessionOptions()));
      assertFalse(e.getMessage().contains(secret), "the secret never appears in a message");
      assertTrue(e instanceof CreditMeterException);
    }
  }

  @Test
  void aZeroBalanceIsAnInsufficientCreditsException() {
    String secret = emulator.createAccount("creator", 0);
    try (Client client = new Client(emulator.options(secret, journal))) {
      assertThrows(InsufficientCreditsException.class, () -> client.startSession(new SessionOptions()));
    }
  }

  @Test
  void theConcurrencyLimitIsAConcurrencyLimitException() {
    String secret = emulator.createAccount("creator", 100, 1);
    try (Client client = new Client(emulator.options(secret, journal));
         Session first = client.startSession(new SessionOptions())) {
      assertThrows(ConcurrencyLimitException.class, () -> client.startSession(new SessionOptions()));
      assertEquals(SessionState.ACTIVE, first.state());
    }
  }

  @Test
  void anUnreachableServerIsANetworkException() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ClientOptions options = new ClientOptions().baseUrl("http://127.0.0.1:" + closedPort).apiSecret("sk_x")
        .journalDir("").requestTimeout(Duration.ofSeconds(2));
    try (Client client = new Client(options)) {
      assertThrows(NetworkException.class, () -> client.startSession(new SessionOptions()));
    }
  }

  @Test
  void aServerErrorIsANetworkExceptionAndAnOtherRefusalACreditMeterException() {
    String secret = emulator.createAccount("creator", 100);
    try (Client client = new Client(emulator.options(secret, journal))) {
      emulator.fault("{\"mode\":\"status\",\"status\":503,\"code\":\"UNAVAILABLE\"}");
      assertThrows(NetworkException.class, () -> client.startSession(new SessionOptions()));
      emulator.clearFaults();
      emulator.fault("{\"mode\":\"status\",\"status\":400,\"code\":\"BAD_REQUEST\"}");
      CreditMeterException e = assertThrows(CreditMeterException.class, () -> client.startSession(new SessionOptions()));
      assertEquals(CreditMeterException.class, e.getClass(), "the base class: " + e);
    }
  }

  @Test
  void badArgumentsAreIllegalArgumentExceptions() {
    String secret = emulator.createAccount("creator", 100);
    assertThrows(IllegalArgumentException.class, () -> new Client(null));
    assertThrows(IllegalArgumentException.class, () -> new ClientOptions().baseUrl(null));
    assertThrows(IllegalArgumentException.class, () -> new ClientOptions().shutdownTimeout(Duration.ofMillis(-1)));
    assertThrows(IllegalArgumentException.class, () -> new ClientOptions().requestTimeout(Duration.ofDays(100)));
    assertThrows(IllegalArgumentException.class, () -> new ClientOptions().maxCredits(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new Client(emulator.options(secret, journal).maxCredits(-1)));
    assertThrows(IllegalArgumentException.class, () -> new Client(emulator.options(secret, journal).baseUrl("not a url")));
    assertThrows(IllegalArgumentException.class,
        () -> new Client(emulator.options(secret, journal).baseUrl("http://example.com")), "plain http to a remote host");
    assertThrows(IllegalArgumentException.class, () -> new Client(emulator.options(secret, journal).apiSecret("a\0b")));
    assertThrows(IllegalArgumentException.class,
        () -> new Client(emulator.options(secret, journal).connectTimeout(Duration.ZERO)));
    try (Client client = new Client(emulator.options(secret, journal))) {
      assertThrows(IllegalArgumentException.class, () -> client.startSession(null));
      assertThrows(IllegalArgumentException.class, () -> new SessionOptions().model(null));
      assertThrows(IllegalArgumentException.class, () -> client.startSession(new SessionOptions().model("")));
      assertThrows(IllegalArgumentException.class, () -> client.startSession(new SessionOptions().surface("")));
      assertThrows(IllegalArgumentException.class, () -> client.startSession(new SessionOptions().maxCredits(-1)));
      assertThrows(IllegalArgumentException.class, () -> client.startSession(new SessionOptions().sessionId("bad id!")));
      assertThrows(IllegalArgumentException.class, () -> client.startSession(new SessionOptions().lowBalanceMinutes(-1)));
      assertThrows(IllegalArgumentException.class, () -> new SessionOptions().lowBalanceMinutes(Double.NaN));
      assertThrows(IllegalArgumentException.class,
          () -> client.startSession(new SessionOptions().lowBalanceCredits(Double.POSITIVE_INFINITY)));
      assertThrows(IllegalArgumentException.class, () -> new SessionOptions().onStateChange(null));
      assertThrows(IllegalArgumentException.class, () -> client.flush(null));
      assertThrows(IllegalArgumentException.class, () -> client.flush(Duration.ofSeconds(-1)));
      assertThrows(IllegalArgumentException.class, () -> client.setMaxCredits(-1));
      try (Session session = client.startSession(new SessionOptions())) {
        assertThrows(IllegalArgumentException.class, () -> session.setMaxCredits(-0.5));
        assertEquals(SessionState.ACTIVE, session.state(), "a refused argument changed nothing");
      }
    }
  }

  @Test
  void aClosedClientIsAnIllegalStateException() {
    String secret = emulator.createAccount("creator", 100);
    Client client = new Client(emulator.options(secret, journal));
    client.close();
    client.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> client.startSession(new SessionOptions()));
    assertThrows(IllegalStateException.class, () -> client.flush(Duration.ZERO));
    assertThrows(IllegalStateException.class, client::creditSummary);
  }

  @Test
  void withoutADefaultStateDirectoryTheJournalDirIsRequired() throws Exception {
    // A child JVM per environment: whether there is a default state directory is the
    // library's answer (cm_default_journal_dir), read from the environment it runs in.
    String none = runJournalProbe(null, null);
    assertTrue(none.contains("unset: IllegalArgumentException") && none.contains("journalDir"), none);
    assertTrue(none.contains("empty: ok"), none); // "" = no journal, explicitly
    String xdg = runJournalProbe(journal.toString(), null);
    assertTrue(xdg.contains("unset: ok") && xdg.contains("empty: ok"), xdg);
    assertTrue(Files.isDirectory(journal.resolve("creditmeter")), "the default journal is used: " + xdg);
    String home = runJournalProbe(null, journal.resolve("home").toString());
    assertTrue(home.contains("unset: ok"), home);
    assertTrue(Files.isDirectory(journal.resolve("home/.local/state/creditmeter")), home);
  }

  /** Runs {@link JournalProbe} in a JVM whose environment holds only the given variables. */
  private static String runJournalProbe(String xdgStateHome, String home) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    ProcessBuilder builder = new ProcessBuilder(java, "-Xcheck:jni",
        "-Djava.library.path=" + System.getProperty("java.library.path"),
        "-cp", System.getProperty("java.class.path"), JournalProbe.class.getName(), emulator.baseUrl,
        emulator.createAccount("creator", 100))
        .redirectErrorStream(true);
    builder.environment().remove("XDG_STATE_HOME");
    builder.environment().remove("HOME");
    if (xdgStateHome != null) {
      builder.environment().put("XDG_STATE_HOME", xdgStateHome);
    }
    if (home != null) {
      builder.environment().put("HOME", home);
    }
    Process child = builder.start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), output);
    assertEquals(0, child.exitValue(), output);
    assertFalse(output.contains("WARNING"), "-Xcheck:jni in the child: " + output);
    return output;
  }

  /** The child JVM: a client without journalDir, then one with "", each started and flushed. */
  static final class JournalProbe {
    public static void main(String[] args) {
      for (String label : new String[] {"unset", "empty"}) {
        ClientOptions options = new ClientOptions().baseUrl(args[0]).apiSecret(args[1]);
        if (label.equals("empty")) {
          options.journalDir("");
        }
        try (Client client = new Client(options)) {
          client.startSession(new SessionOptions()).close();
          client.flush(Duration.ofSeconds(10));
          System.out.println(label + ": ok");
        } catch (IllegalArgumentException e) {
          System.out.println(label + ": IllegalArgumentException: " + e.getMessage());
        }
      }
    }
  }
}
