package dev.gateway.cluster;

import dev.gateway.support.TestGateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

/**
 * One gateway node in its own JVM, started from the built jar ({@code target/gateway.jar},
 * relative to the module directory, where Failsafe runs): clustered on 127.0.0.1 with a short
 * failure detection, one event loop, the demo clock nearly silent and the client rate limits
 * raised. Output goes to {@code target/cluster-it/NAME.log}.
 *
 * <p>Signals go to the PID with {@code kill}. {@link #close()} SIGKILLs the process (after a
 * SIGCONT, in case it was stopped); a JVM shutdown hook does the same for any node a test left.
 */
public final class GatewayProcess implements AutoCloseable {

  static final Path JAR = Path.of("target", "gateway.jar");
  static final Path LOGS = Path.of("target", "cluster-it");
  /** Failure detection of the nodes (Hazelcast max-no-heartbeat), unless a test overrides it. */
  public static final long FAILURE_DETECTION_MS = 3_000;

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> {
      signal(p.pid(), "CONT");
      signal(p.pid(), "KILL");
    }), "gateway-process-reaper"));
  }

  public final String name;
  public final int port;
  public final Path log;
  private final Process process;

  private GatewayProcess(String name, int port, Path log, Process process) {
    this.name = name;
    this.port = port;
    this.log = log;
    this.process = process;
  }

  /**
   * Launches a node of the cluster {@code clusterName} (does not wait: see {@link #awaitReady});
   * {@code env} adds or overrides {@code GATEWAY_*} variables.
   */
  public static GatewayProcess launch(String clusterName, String nodeName, Map<String, String> env) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run `mvn package` first"
          + " (Failsafe runs after package in `mvn verify`)");
    }
    int port = TestGateway.freePort();
    Map<String, String> vars = new HashMap<>();
    vars.put("GATEWAY_HOST", "127.0.0.1");
    vars.put("GATEWAY_PORT", Integer.toString(port));
    vars.put("GATEWAY_CLUSTER", "true");
    vars.put("GATEWAY_CLUSTER_NAME", clusterName);
    vars.put("GATEWAY_CLUSTER_HOST", "127.0.0.1");
    vars.put("GATEWAY_CLUSTER_FAILURE_DETECTION_MS", Long.toString(FAILURE_DETECTION_MS));
    vars.put("GATEWAY_EVENT_LOOPS", "1");
    vars.put("GATEWAY_DRAIN_WINDOW_MS", "1000");
    vars.put("GATEWAY_DEMO_CLOCK_INTERVAL_MS", "60000");
    vars.put("GATEWAY_MESSAGES_PER_SECOND", "10000");
    // test clients all connect from 127.0.0.1, many at once: not one office behind a NAT
    vars.put("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "100000");
    vars.put("GATEWAY_MAX_HANDSHAKES_PER_ADDRESS", "10000");
    vars.put("GATEWAY_MESSAGE_BURST", "10000");
    vars.put("GATEWAY_RATE_LIMIT_STRIKES", "100000");
    vars.putAll(env);
    String name = clusterName + "-" + nodeName;
    Path log = LOGS.resolve(name + ".log");
    try {
      Files.createDirectories(LOGS);
      ProcessBuilder pb = new ProcessBuilder(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1", "-jar", JAR.toString())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("GATEWAY_"));
      pb.environment().putAll(vars);
      Process p = pb.start();
      LIVE.add(p);
      return new GatewayProcess(name, port, log, p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Launches the nodes together (they start faster side by side) and waits for all of them. */
  public static List<GatewayProcess> startCluster(String clusterName, int nodes,
                                                  Map<String, String> env) {
    List<GatewayProcess> started = new ArrayList<>();
    try {
      for (int i = 1; i <= nodes; i++) {
        started.add(launch(clusterName, "node" + i, env));
      }
      for (GatewayProcess p : started) {
        p.awaitReady(90);
      }
      for (GatewayProcess p : started) {
        if (!p.awaitMetric("gateway_cluster_members", v -> v == nodes, 30)) {
          throw new AssertionError(p.name + " does not see " + nodes + " members: "
              + p.metric("gateway_cluster_members") + "\n" + p.logTail());
        }
      }
      return started;
    } catch (RuntimeException | Error e) {
      started.forEach(GatewayProcess::close);
      throw e;
    }
  }

  /** Waits for the "gateway: listening" line and then a 200 from /health/ready. */
  public GatewayProcess awaitReady(long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!logText().contains("gateway: listening")) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue()
            + " before listening:\n" + logTail());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " not listening after " + seconds + " s:\n" + logTail());
      }
      pause(100);
    }
    while (readyStatus() != 200) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + ": /health/ready not 200 after " + seconds + " s");
      }
      pause(100);
    }
    return this;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public void kill9() {
    signal(pid(), "KILL");
  }

  public void sigterm() {
    signal(pid(), "TERM");
  }

  public void sigstop() {
    signal(pid(), "STOP");
  }

  public void sigcont() {
    signal(pid(), "CONT");
  }

  /** Exit code once the process ended within the time, else null. */
  public Integer awaitExit(long millis) {
    try {
      return process.waitFor(millis, TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Status of GET PATH, or -1 when the node does not answer within the timeout. */
  public int status(String path, long timeoutMs) {
    HttpResponse<String> response = get(path, timeoutMs);
    return response == null ? -1 : response.statusCode();
  }

  private HttpResponse<String> get(String path, long timeoutMs) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofMillis(timeoutMs)).GET().build();
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  public int readyStatus() {
    return status("/health/ready", 1_000);
  }

  /** The /metrics text, or null when the node does not answer within 2 s. */
  public String scrape() {
    HttpResponse<String> response = get("/metrics", 2_000);
    return response == null || response.statusCode() != 200 ? null : response.body();
  }

  /** One sample of the scrape (e.g. {@code gateway_cluster_members}); NaN if absent or unreachable. */
  public double metric(String sample) {
    String text = scrape();
    if (text == null) {
      return Double.NaN;
    }
    for (String line : text.split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim());
      }
    }
    return Double.NaN;
  }

  /** Polls the sample every 100 ms until it matches; false after the timeout. */
  public boolean awaitMetric(String sample, DoublePredicate match, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (match.test(metric(sample))) {
        return true;
      }
      pause(100);
    }
    return false;
  }

  public String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      return "";
    }
  }

  public String logTail() {
    String text = logText();
    return "--- " + log + " (tail) ---\n" + text.substring(Math.max(0, text.length() - 3_000));
  }

  /** SIGKILLs the node (resuming it first if stopped) and waits for it to go. */
  @Override
  public void close() {
    if (process.isAlive()) {
      signal(pid(), "CONT");
      signal(pid(), "KILL");
      process.destroyForcibly();
      awaitExit(10_000);
    }
    LIVE.remove(process);
  }

  static void signal(long pid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sleeps; an interrupt fails the test. */
  public static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** A cluster name of its own for one test (nodes of other runs never join it). */
  public static String uniqueClusterName(String test) {
    return "it-" + test + "-" + ProcessHandle.current().pid() + "-"
        + Long.toString(System.nanoTime() & 0xffffff, 36);
  }
}
