import io.creditmeter.Client;
import io.creditmeter.ClientOptions;
import io.creditmeter.Session;
import io.creditmeter.SessionOptions;
import io.creditmeter.SessionState;
import io.creditmeter.SessionStats;
import io.creditmeter.StateChange;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java half of scripts/check-package.sh: an app compiled against the installed
 * {@code <prefix>/share/java/creditmeter.jar} only, run the way docs/JAVA.md says (no
 * {@code -Djava.library.path}: the jar finds {@code <prefix>/lib/libcreditmeter_jni.so}),
 * under {@code -Xcheck:jni}, against an emulator (examples/run_with_emulator.sh exports
 * CREDITMETER_BASE_URL and CREDITMETER_API_SECRET). It runs a session with frames, stops it,
 * flushes and checks the ledger against the session's stats; then that both native libraries
 * it loaded came from the prefix (not the build tree, not a system copy).
 *
 * <pre>java -Xcheck:jni -cp PREFIX/share/java/creditmeter.jar:CLASSES PackageCheck PREFIX</pre>
 *
 * Prints "creditmeter-package-check java OK ..." last; exits non-zero on any failure.
 */
public final class PackageCheck {
  // Generous for a loaded 2-core machine; a passing run takes a few seconds.
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private PackageCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: PackageCheck <install prefix>");
    }
    Path prefix = Paths.get(args[0]).toRealPath();
    String baseUrl = requireEnv("CREDITMETER_BASE_URL");
    String secret = requireEnv("CREDITMETER_API_SECRET");
    List<StateChange> changes = new CopyOnWriteArrayList<>();
    admin(baseUrl, "POST", "/admin/config", "{\"heartbeat_interval_s\":1}"); // a heartbeat within the run


    SessionStats stats;
    String sessionId;
    // The journal goes to the default state directory: run_with_emulator.sh's temporary
    // XDG_STATE_HOME.
    try (Client client = new Client(new ClientOptions().baseUrl(baseUrl).apiSecret(secret))) {
      Session session = client.startSession(new SessionOptions().model("essence").surface("cloud")
          .onStateChange(changes::add));
      sessionId = session.id();
      try (session) {
        // A render loop until a heartbeat was answered and a second of active time is metered.
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        long frames = 0;
        while (session.stats().heartbeatsOk() < 1 || session.stats().activeMs() < 1000) {
          check(System.nanoTime() - deadline < 0, "no heartbeat answered within " + DEADLINE + ": " + session.stats());
          if (session.mayRender()) {
            session.frame();
            frames++;
          }
          Thread.sleep(10); // the frame pacing of a ~100 fps renderer
        }
        check(frames > 0, "mayRender() never said yes");
      } // close() = stop()
      check(session.state() == SessionState.STOPPED, "state after close(): " + session.state());
      check(client.flush(DEADLINE), "flush did not deliver the usage within " + DEADLINE);
      stats = session.stats();
      check(waitFor(() -> changes.stream().anyMatch(c -> c.to() == SessionState.STOPPED)),
          "STOPPED was not announced: " + changes);
    }

    String row = ledgerRow(baseUrl, sessionId);
    long ledgerMs = Long.parseLong(field(row, "active_ms", "\\d+"));
    check("true".equals(field(row, "released", "true|false")), "the session was not released: " + row);
    check(ledgerMs == stats.activeMs() && stats.activeMs() == stats.reportedMs(),
        "ledger active_ms " + ledgerMs + " != stats().activeMs() " + stats.activeMs() + " / reportedMs() "
            + stats.reportedMs());

    List<String> libraries = loadedFrom(prefix, "libcreditmeter_jni.so", "libcreditmeter.so");
    System.out.println("creditmeter-package-check java loaded " + String.join(" ", libraries));
    System.out.println("creditmeter-package-check java OK active_ms=" + stats.activeMs() + " ledger=" + ledgerMs
        + " heartbeats=" + stats.heartbeatsOk());
  }

  /** The paths of the mapped libraries named {@code names} (prefixes of the file name); each must be under {@code prefix}. */
  private static List<String> loadedFrom(Path prefix, String... names) throws IOException {
    List<String> found = new ArrayList<>();
    for (String name : names) {
      String path = null;
      for (String line : Files.readAllLines(Paths.get("/proc/self/maps"))) {
        int slash = line.indexOf('/');
        if (slash >= 0 && Paths.get(line.substring(slash)).getFileName().toString().startsWith(name)) {
          path = line.substring(slash);
          break;
        }
      }
      check(path != null, name + " is not loaded");
      check(Paths.get(path).toRealPath().startsWith(prefix), name + " was loaded from " + path + ", not from " + prefix);
      found.add(path);
    }
    return found;
  }

  /** The emulator's ledger row of the session. */
  private static String ledgerRow(String baseUrl, String sessionId) throws IOException, InterruptedException {
    String ledger = admin(baseUrl, "GET", "/admin/ledger?session_id=" + sessionId, null);
    // One session's rows only: the "sessions" array holds one object.
    Matcher m = Pattern.compile("\"sessions\":\\[(\\{[^\\]]*?\\})\\]").matcher(ledger);
    check(m.find(), "no ledger row for " + sessionId + ": " + ledger);
    return m.group(1);
  }

  /** An admin call (loopback, never through a proxy): the answer's body; fails unless 2xx. */
  private static String admin(String baseUrl, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).connectTimeout(DEADLINE).build();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(DEADLINE)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    check(answer.statusCode() / 100 == 2, method + " " + path + ": " + answer.statusCode() + " " + answer.body());
    return answer.body();
  }

  private static String field(String row, String name, String valuePattern) {
    Matcher m = Pattern.compile("\"" + name + "\":(" + valuePattern + ")").matcher(row);
    check(m.find(), "no " + name + " in the ledger row " + row);
    return m.group(1);
  }

  private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        return condition.getAsBoolean();
      }
      Thread.sleep(5); // the poll interval of a wait with a deadline
    }
    return true;
  }

  private static String requireEnv(String name) {
    String value = System.getenv(name);
    check(value != null && !value.isEmpty(), name + " is not set (run through examples/run_with_emulator.sh)");
    return value;
  }

  private static void check(boolean condition, String failure) {
    if (!condition) {
      throw new AssertionError("creditmeter-package-check java: " + failure);
    }
  }
}
