package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Loading libcreditmeter_jni: a missing library is a clear error naming where it looked. */
class NativeLibraryTest {
  @Test
  void aMissingLibraryNamesThePathItTried() throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    String missing = "/nonexistent/dir/libcreditmeter_jni.so";
    Process child = new ProcessBuilder(java, "-Xcheck:jni", "-D" + NativeLibrary.PATH_PROPERTY + "=" + missing,
        "-cp", System.getProperty("java.class.path"), Probe.class.getName()).redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(child.waitFor(60, TimeUnit.SECONDS));
    assertNotEquals(0, child.exitValue(), output);
    assertTrue(output.contains("UnsatisfiedLinkError") && output.contains(missing), output);
    assertTrue(output.contains("libcreditmeter_jni.so"), output);
  }

  /** The child JVM: touches the API, which loads the library. */
  static final class Probe {
    public static void main(String[] args) {
      new SessionOptions();
      new Client(new ClientOptions().baseUrl("http://127.0.0.1:1").apiSecret("sk_x").journalDir(""));
    }
  }
}
