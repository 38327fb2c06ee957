package io.creditmeter;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Java Session.frame() and mayRender() against a no-op JNI call of the same shape (an object
 * and a long: Native.noop), in the same run; and, to split frame()'s cost, the same JNI call
 * into cm_session_frame(NULL), which returns at once (the binding's share without the SDK's). Each repetition measures every case (interleaved,
 * so drift hits all alike), each as the best of 5 runs of `number` calls, after a warm-up that
 * lets the JIT compile all three. JSON on stdout, the format of bench/python/bench_frame.py.
 *
 *   java -cp creditmeter.jar:creditmeter_java_bench.jar -Djava.library.path=... \
 *       io.creditmeter.BenchFrame --emulator build/tools/emulator/creditmeter-emulator [--smoke]
 */
public final class BenchFrame {
  private static volatile boolean sink; // keeps mayRender()'s result alive

  private BenchFrame() {}

  interface Case {
    void run(int number);
  }

  public static void main(String[] args) throws Exception {
    String emulatorPath = null;
    int repetitions = 15;
    int number = 2_000_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--emulator": emulatorPath = args[++i]; break;
        case "--repetitions": repetitions = Integer.parseInt(args[++i]); break;
        case "--number": number = Integer.parseInt(args[++i]); break;
        case "--smoke": repetitions = 2; number = 20_000; break;
        default: throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (emulatorPath == null) {
      throw new IllegalArgumentException("--emulator <creditmeter-emulator> is required");
    }
    Path dir = Files.createTempDirectory("cmbench-java");
    Path portFile = dir.resolve("port");
    Process emulator = new ProcessBuilder(emulatorPath, "--host", "127.0.0.1", "--port", "0", "--port-file",
        portFile.toString(), "--quiet", "--seed-account", "bench-java:pro:1000000")
        .redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "emulator.log")).start();
    try {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!Files.exists(portFile) || Files.size(portFile) == 0) {
        if (!emulator.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("the emulator did not start");
        }
        Thread.sleep(10); // polling the port file with a deadline
      }
      String url = "http://127.0.0.1:" + new String(Files.readAllBytes(portFile), StandardCharsets.UTF_8).trim();
      try (Client client = new Client(new ClientOptions().baseUrl(url).apiSecret("bench-java").journalDir(""));
           Session session = client.startSession(new SessionOptions().model("essence").surface("cloud"))) {
        Object owner = new Object();
        Map<String, Case> cases = new LinkedHashMap<>();
        cases.put("baseline_jni_noop", n -> {
          for (int i = 0; i < n; i++) {
            Native.noop(owner, 0L);
          }
        });
        cases.put("session_frame", n -> {
          for (int i = 0; i < n; i++) {
            session.frame();
          }
        });
        // Informative: the binding's own share (JNI + the C ABI's entry, no SDK work behind it).
        cases.put("jni_frame_null_session", n -> {
          for (int i = 0; i < n; i++) {
            Native.frame(owner, 0L);
          }
        });
        cases.put("session_may_render", n -> {
          boolean any = false;
          for (int i = 0; i < n; i++) {
            any |= session.mayRender();
          }
          sink = any;
        });
        for (int w = 0; w < 10; w++) {
          for (Case c : cases.values()) {
            c.run(Math.max(number / 10, 10_000));
          }
        }
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        for (String name : cases.keySet()) {
          samples.put(name, new ArrayList<>());
        }
        for (int r = 0; r < repetitions; r++) {
          for (Map.Entry<String, Case> c : cases.entrySet()) {
            long best = Long.MAX_VALUE;
            for (int k = 0; k < 5; k++) {
              long t0 = System.nanoTime();
              c.getValue().run(number);
              best = Math.min(best, System.nanoTime() - t0);
            }
            samples.get(c.getKey()).add((double) best / number);
          }
        }
        System.out.println(json(samples));
      }
    } finally {
      emulator.destroy();
      emulator.waitFor();
    }
  }

  private static String json(Map<String, List<Double>> samples) {
    StringBuilder out = new StringBuilder("{");
    for (Map.Entry<String, List<Double>> e : samples.entrySet()) {
      List<Double> v = new ArrayList<>(e.getValue());
      Collections.sort(v);
      int n = v.size();
      double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
      double p99 = v.get(Math.min(n - 1, (int) Math.round(0.99 * (n - 1))));
      if (out.length() > 1) {
        out.append(", ");
      }
      out.append(String.format(Locale.ROOT, "\"%s\": {\"median_ns\": %.3f, \"p99_ns\": %.3f, \"min_ns\": %.3f, "
          + "\"max_ns\": %.3f, \"n\": %d}", e.getKey(), median, p99, v.get(0), v.get(n - 1), n));
    }
    return out.append("}").toString();
  }
}
