package io.creditmeter.example;

import io.creditmeter.BalanceUpdate;
import io.creditmeter.Client;
import io.creditmeter.ClientOptions;
import io.creditmeter.CreditMeterException;
import io.creditmeter.InsufficientCreditsException;
import io.creditmeter.Session;
import io.creditmeter.SessionOptions;
import io.creditmeter.SessionStats;
import io.creditmeter.StateChange;
import java.io.File;
import java.time.Duration;
import java.util.Locale;

/**
 * An Android-shaped avatar screen, runnable on a desktop JVM: the lifecycle methods an
 * Activity has (onCreate, onResume, onPause, onDestroy), a render loop on its own thread that
 * draws only while {@link Session#mayRender()}, and listeners that show the balance and the
 * session's state. In a real app the class extends Activity, {@link #filesDir} is
 * getFilesDir(), {@link #show} updates a TextView through runOnUiThread, and the secret stays
 * on your backend (ClientOptions.tokenProvider). Java 11, Android API 26 calls only.
 *
 * <pre>
 *   examples/run_with_emulator.sh java -cp creditmeter.jar:creditmeter_example.jar \
 *       io.creditmeter.example.AvatarActivity --duration 3
 * </pre>
 */
public final class AvatarActivity {
  private final File filesDir;
  private Client client;
  private Session session;
  private Thread renderThread;
  private volatile boolean rendering;
  private volatile long frames;

  AvatarActivity(File filesDir) {
    this.filesDir = filesDir;
  }

  /** Activity.onCreate: one Client for the app's lifetime (its base URL and secret from the env here). */
  void onCreate() {
    client = new Client(new ClientOptions()
        .baseUrl(System.getenv("CREDITMETER_BASE_URL"))
        .apiSecret(System.getenv("CREDITMETER_API_SECRET"))
        .journalDir(new File(filesDir, "creditmeter").getPath())); // Android has no default: required
  }

  /** Activity.onResume: start the session (off the UI thread in a real app: it blocks on the network). */
  void onResume() {
    try {
      session = client.startSession(new SessionOptions()
          .model("essence")
          .surface("cloud")
          .onStateChange(this::onStateChange)
          .onBalance(this::onBalance));
    } catch (InsufficientCreditsException e) {
      show("Out of credits: top up to talk to the avatar");
      return;
    } catch (CreditMeterException e) {
      show("Cannot start: " + e.getMessage());
      return;
    }
    rendering = true;
    renderThread = new Thread(this::renderLoop, "render");
    renderThread.start();
  }

  /** The GL thread's loop: one frame every 40 ms (25 fps), only while billing allows it. */
  private void renderLoop() {
    while (rendering) {
      if (session.mayRender()) {
        // drawAvatarFrame();
        session.frame();
        frames++;
      } // else: keep showing the paused poster
      try {
        Thread.sleep(40);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** On the client's callback thread: post to the UI thread in a real app. */
  private void onStateChange(StateChange change) {
    show("state: " + change.to() + " (" + change.reason() + ") " + change.message());
  }

  private void onBalance(BalanceUpdate update) {
    show(String.format(Locale.ROOT, "balance: %.3f credits (%.1f min left)", update.balance(), update.minutesLeft()));
  }

  /** Activity.onPause: stop rendering and end the session (its usage is delivered at once). */
  void onPause() throws InterruptedException {
    rendering = false;
    if (renderThread != null) {
      renderThread.join();
    }
    if (session != null) {
      session.stop();
    }
  }

  /** Activity.onDestroy: close the client (delivers what is left, frees the native side). */
  void onDestroy() {
    client.close();
  }

  private static void show(String line) {
    System.out.println("[avatar] " + line);
  }

  /** Runs the screen for --duration seconds; exits 1 if nothing was metered or the books differ. */
  public static void main(String[] args) throws Exception {
    double seconds = args.length == 2 && args[0].equals("--duration") ? Double.parseDouble(args[1]) : 3;
    String state = System.getenv("XDG_STATE_HOME");
    File filesDir = state != null ? new File(state) : new File(System.getProperty("java.io.tmpdir"));
    AvatarActivity activity = new AvatarActivity(filesDir);
    activity.onCreate();
    activity.onResume();
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < deadline && activity.session != null) {
      Thread.sleep(50); // the demo's screen time
    }
    activity.onPause();
    boolean delivered = activity.client.flush(Duration.ofSeconds(10));
    SessionStats stats = activity.session == null ? null : activity.session.stats();
    activity.onDestroy();
    if (stats == null) {
      System.exit(1);
    }
    show(activity.frames + " frames, " + stats);
    boolean ok = delivered && activity.frames > 0 && stats.activeMs() > 0 && stats.activeMs() == stats.reportedMs();
    System.exit(ok ? 0 : 1);
  }
}
