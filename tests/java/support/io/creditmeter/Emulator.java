package io.creditmeter;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real creditmeter-emulator process on 127.0.0.1 (a free port) and its admin API. The binary
 * comes from the system property creditmeter.emulator (ctest sets it).
 */
final class Emulator implements AutoCloseable {
  private final Process process;
  private final Path workdir;
  final String baseUrl;
  // Deadlines of its own calls: generous, for a loaded machine (2 cores running several
  // builds); loopback calls take milliseconds otherwise.
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  // Admin calls never go through a proxy.
  private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
      .connectTimeout(DEADLINE).build();

  Emulator() throws IOException {
    String binary = System.getProperty("creditmeter.emulator");
    if (binary == null || !new File(binary).canExecute()) {
      throw new IllegalStateException("no emulator: run with -Dcreditmeter.emulator=<creditmeter-emulator> (ctest does)");
    }
    workdir = Files.createTempDirectory("creditmeter-java-emulator");
    Path portFile = workdir.resolve("port");
    process = new ProcessBuilder(binary, "--host", "127.0.0.1", "--port", "0", "--port-file", portFile.toString(),
        "--quiet").redirectErrorStream(true).redirectOutput(workdir.resolve("emulator.log").toFile()).start();
    boolean listening = Wait.until(() -> !process.isAlive() || Files.exists(portFile), DEADLINE);
    if (!listening || !process.isAlive()) {
      close();
      throw new IllegalStateException("creditmeter-emulator did not listen within " + DEADLINE + " (" + workdir
          + "/emulator.log)");
    }
    baseUrl = "http://127.0.0.1:" + new String(Files.readAllBytes(portFile), StandardCharsets.UTF_8).trim();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** An admin call; returns the answer's "data" (or the whole answer), parsed. */
  Object admin(String method, String path, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(DEADLINE);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    try {
      HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() / 100 != 2) {
        throw new IllegalStateException("emulator admin " + method + " " + path + ": " + answer.statusCode() + " "
            + answer.body());
      }
      if (answer.body().isEmpty()) {
        return null;
      }
      Object parsed = Json.parse(answer.body());
      if (parsed instanceof Map && ((Map<?, ?>) parsed).containsKey("data")) {
        return ((Map<?, ?>) parsed).get("data");
      }
      return parsed;
    } catch (IOException e) {
      throw new IllegalStateException("emulator admin " + method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** POST /v1/runtime-tokens/request as an app's backend does it (with the secret): the raw body. */
  String requestToken(String secret, String sessionId) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/runtime-tokens/request"))
        .timeout(DEADLINE).header("api-secret", secret).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + sessionId + "\"}")).build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new IllegalStateException("token request failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String createAccount(String plan, double balance) {
    return createAccount(plan, balance, -1);
  }

  String createAccount(String plan, double balance, int maxConcurrent) {
    String secret = "sk_test_java_" + UUID.randomUUID().toString().replace("-", "");
    admin("POST", "/admin/accounts", "{\"api_secret\":\"" + secret + "\",\"plan\":\"" + plan + "\",\"balance\":" + balance
        + (maxConcurrent >= 0 ? ",\"max_concurrent\":" + maxConcurrent : "") + "}");
    return secret;
  }

  void topup(String secret, double credits) {
    admin("POST", "/admin/accounts/topup", "{\"api_secret\":\"" + secret + "\",\"credits\":" + credits + "}");
  }

  void configure(double heartbeatIntervalS, double offlineGraceS) {
    admin("POST", "/admin/config", "{\"heartbeat_interval_s\":" + heartbeatIntervalS + ",\"offline_grace_s\":"
        + offlineGraceS + "}");
  }

  void fault(String json) {
    admin("POST", "/admin/faults", json);
  }

  void clearFaults() {
    admin("DELETE", "/admin/faults", null);
  }

  /** The ledger's row of a session, or null. */
  Map<?, ?> ledgerSession(String sessionId) {
    Map<?, ?> ledger = (Map<?, ?>) admin("GET", "/admin/ledger", null);
    for (Object row : (List<?>) ledger.get("sessions")) {
      Map<?, ?> r = (Map<?, ?>) row;
      if (sessionId.equals(r.get("session_id"))) {
        return r;
      }
    }
    return null;
  }

  /** Options for a client of this emulator: its URL, the secret, a journal in `journalDir`. */
  ClientOptions options(String secret, Path journalDir) {
    return new ClientOptions().baseUrl(baseUrl).apiSecret(secret).journalDir(journalDir.toString());
  }
}
