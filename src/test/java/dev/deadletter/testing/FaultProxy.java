package dev.deadletter.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fault-injecting TCP proxy of hack/k8s/cmd/faultproxy between a client and the API server of
 * $KUBECONFIG, run as a process. {@link #kubeconfig()} is a copy of $KUBECONFIG that points at the
 * proxy: TLS passes through, and the API server's certificate is valid for 127.0.0.1 either way.
 */
public final class FaultProxy implements AutoCloseable {

  /** The proxy's counters: connections accepted and open, connections cut, bytes lost. */
  public record Stats(long accepted, long open, long resets, long droppedBytes, long lossWindows) {}

  private static final Pattern SERVER =
      Pattern.compile("(?m)^(\\s*server:\\s*)https://([^/\\s]+)\\s*$");
  private static final Pattern LISTENING =
      Pattern.compile("listening on (\\S+), control on (\\S+)");

  private final Process process;
  private final Path log;
  private final Path kubeconfig;
  private final URI control;
  private final HttpClient http = HttpClient.newHttpClient();

  private FaultProxy(Process process, Path log, Path kubeconfig, URI control) {
    this.process = process;
    this.log = log;
    this.kubeconfig = kubeconfig;
    this.control = control;
  }

  /** Starts a proxy (no faults yet) in front of the API server of $KUBECONFIG, on free ports. */
  public static FaultProxy start() throws IOException, InterruptedException {
    Path original = Path.of(System.getenv().getOrDefault("KUBECONFIG", ""));
    if (!Files.isRegularFile(original)) {
      throw new IllegalStateException("KUBECONFIG is not set: see LocalCluster");
    }
    String config = Files.readString(original);
    Matcher server = SERVER.matcher(config);
    if (!server.find()) {
      throw new IllegalStateException("no https server in " + original);
    }
    Path log = Files.createTempFile("faultproxy-", ".log");
    Process process =
        new ProcessBuilder(
                binary().toString(),
                "-listen",
                "127.0.0.1:0",
                "-upstream",
                server.group(2),
                "-control",
                "127.0.0.1:0")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Matcher addresses = awaitListening(process, log);
    // A copy with the client's key in it: readable by this user only.
    Path kubeconfig =
        Files.createTempFile(
            "faultproxy-",
            ".kubeconfig",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        kubeconfig,
        server.replaceFirst("$1" + Matcher.quoteReplacement("https://" + addresses.group(1))));
    return new FaultProxy(process, log, kubeconfig, URI.create("http://" + addresses.group(2)));
  }

  /** A kubeconfig like $KUBECONFIG whose server is this proxy. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** Delays everything the API server sends by {@code latency} ± {@code jitter}. */
  public void latency(Duration latency, Duration jitter) {
    post("/faults?latency=" + go(latency) + "&jitter=" + go(jitter));
  }

  /** Cuts every open connection with a TCP RST every {@code period} (zero: never). */
  public void resetEvery(Duration period) {
    post("/faults?reset_every=" + go(period));
  }

  /** Cuts every open connection with a TCP RST now. */
  public void resetNow() {
    post("/reset");
  }

  /**
   * For {@code window}, requests still reach the API server and take effect, but nothing it sends
   * comes back; then the connections that lost bytes are cut. Returns at once.
   */
  public void loseResponses(Duration window) {
    post("/lose-responses?for=" + go(window));
  }

  /**
   * Cuts the client off the API server until {@link #clear()}: nothing passes either way, so
   * requests sent meanwhile never reach the API server and new connections hang. {@code clear()}
   * then cuts the connections that lost bytes.
   */
  public void partition() {
    post("/partition");
  }

  /** No more faults (a loss window in progress ends now, and so does a partition). */
  public void clear() {
    post("/clear");
  }

  public Stats stats() {
    try {
      var json =
          new ObjectMapper()
              .readTree(
                  http.send(
                          HttpRequest.newBuilder(control.resolve("/stats")).build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
      return new Stats(
          json.path("accepted").asLong(),
          json.path("open").asLong(),
          json.path("resets").asLong(),
          json.path("dropped_bytes").asLong(),
          json.path("loss_windows").asLong());
    } catch (IOException e) {
      throw new IllegalStateException("faultproxy control API", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy();
    process.waitFor(5, TimeUnit.SECONDS);
    Files.deleteIfExists(kubeconfig);
  }

  private void post(String pathAndQuery) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(control.resolve(pathAndQuery))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(pathAndQuery + ": " + response.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException("faultproxy control API; log " + log, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A Go duration, e.g. 1500ms. */
  private static String go(Duration d) {
    return d.toMillis() + "ms";
  }

  private static Matcher awaitListening(Process process, Path log)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plusSeconds(10);
    while (Instant.now().isBefore(deadline)) {
      Matcher m = LISTENING.matcher(Files.readString(log));
      if (m.find()) {
        return m;
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    process.destroyForcibly();
    throw new IllegalStateException("faultproxy did not start: " + Files.readString(log));
  }

  /**
   * The binary that {@code hack/cluster.sh build} puts beside the cluster's, in {@code
   * $DEADLETTER_CACHE/k8s/<version>/bin} (as cluster.sh computes it), or else on the PATH ({@code
   * hack/cluster.sh env} puts that directory there).
   */
  static Path binary() throws IOException {
    Path module = Path.of("hack/k8s/go.mod");
    String version =
        Files.readAllLines(module).stream()
            .map(String::trim)
            .map(l -> l.split("\\s+"))
            .filter(f -> f.length >= 2 && f[0].equals("k8s.io/kubernetes") && f[1].startsWith("v"))
            .map(f -> f[1])
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no k8s.io/kubernetes in " + module));
    Path cache =
        env("DEADLETTER_CACHE")
            .map(Path::of)
            .orElseGet(
                () ->
                    env("XDG_CACHE_HOME")
                        .map(Path::of)
                        .orElse(Path.of(System.getProperty("user.home"), ".cache"))
                        .resolve("deadletter-operator"));
    Path cached = cache.resolve("k8s").resolve(version).resolve("bin").resolve("faultproxy");
    if (Files.isExecutable(cached)) {
      return cached;
    }
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(dir -> Path.of(dir, "faultproxy"))
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no faultproxy in " + cached.getParent() + ": run hack/cluster.sh build"));
  }

  private static Optional<String> env(String name) {
    return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
  }
}
