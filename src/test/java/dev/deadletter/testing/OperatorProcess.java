package dev.deadletter.testing;

import dev.deadletter.operator.CacheMutationCheck;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator (target/deadletter-operator.jar) run as its own process, as in production.
 */
public final class OperatorProcess implements AutoCloseable {

  public static final Path JAR = Path.of("target/deadletter-operator.jar");

  private final Process process;
  private final Path log;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private OperatorProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts the jar with these settings (plus a free HTTP_PORT) and the test's KUBECONFIG. */
  public static OperatorProcess start(String name, Map<String, String> env) throws IOException {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(
          JAR + " is missing: run the tests with mvn verify, which packages it first");
    }
    int port = freePort();
    Path log = Files.createTempFile("operator-" + name + "-", ".log");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-jar",
                JAR.toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("HTTP_PORT", String.valueOf(port));
    builder.environment().put("HOSTNAME", name);
    // Every E2E also checks that no reconciler changes an object of the operator's caches.
    builder.environment().put(CacheMutationCheck.ENV, "true");
    builder.environment().putAll(env);
    return new OperatorProcess(builder.start(), log, port);
  }

  /** {@link #start}, then waits until it answers /readyz with 200 (its caches are filled). */
  public static OperatorProcess startReady(String name, Map<String, String> env)
      throws IOException {
    OperatorProcess operator = start(name, env);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .until(() -> operator.status("/readyz") == 200);
    return operator;
  }

  public String get(String path) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  public int status(String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  public long pid() {
    return process.pid();
  }

  /** Heap in use right after a full GC (jcmd GC.run), from the operator's own /metrics. */
  public double heapAfterGcBytes() throws IOException, InterruptedException {
    Process gc =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(process.pid()),
                "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    gc.waitFor(60, TimeUnit.SECONDS);
    return get("/metrics")
        .lines()
        .filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no chance to finish anything. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM; returns the exit code, or -1 if it did not stop in time. */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** Waits for a process that exits by itself. */
  public int exitCode(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
