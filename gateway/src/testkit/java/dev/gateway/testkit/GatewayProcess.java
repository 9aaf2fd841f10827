package dev.gateway.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

/**
 * A gateway node in its own JVM, started from the built jar ({@code java -jar gateway.jar}) on a
 * free 127.0.0.1 port, configured only through {@code GATEWAY_*} variables (any inherited ones are
 * removed first), its output in a log file. The gateway module's multi-process tests and the load
 * tests' smoke run both start nodes this way; this source is compiled into both test trees.
 *
 * <p>Signals go to the PID with {@code kill}. {@link #close()} SIGKILLs the process (after a
 * SIGCONT, in case it was stopped); {@link #stop(Duration)} asks it to drain first (SIGTERM). A
 * JVM shutdown hook SIGKILLs any node still running when the JVM exits.
 */
public final class GatewayProcess implements AutoCloseable {

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

  /** A node of the jar at {@code jar}; nothing runs until {@link Builder#launch()}. */
  public static Builder builder(Path jar) {
    return new Builder(jar);
  }

  /** What to start: the jar, the node's name (log file name), JVM flags and environment. */
  public static final class Builder {
    private final Path jar;
    private String name = "gateway";
    private int port;
    private Path logDir = Path.of("target");
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();

    private Builder(Path jar) {
      this.jar = jar;
    }

    /** The node's name; its output goes to {@code LOGDIR/NAME.log}. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The port to listen on (127.0.0.1); a free one is picked at launch unless set. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The URL the node will serve (picks its free port now if none was set). */
    public String url() {
      if (port <= 0) {
        port = Ports.freePort();
      }
      return "http://127.0.0.1:" + port;
    }

    public Builder logDir(Path dir) {
      this.logDir = dir;
      return this;
    }

    public Builder jvmArgs(String... args) {
      jvmArgs.addAll(List.of(args));
      return this;
    }

    /** Adds or overrides {@code GATEWAY_*} variables ({@code GATEWAY_HOST} and {@code GATEWAY_PORT} are set here). */
    public Builder env(Map<String, String> vars) {
      env.putAll(vars);
      return this;
    }

    public Builder env(String name, String value) {
      env.put(name, value);
      return this;
    }

    /** Starts the process and returns at once (see {@link GatewayProcess#awaitReady}). */
    public GatewayProcess launch() {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(jar.toAbsolutePath() + " is missing: build it first"
            + " (mvn -B -DskipTests package; `mvn verify` packages it before the integration tests)");
      }
      int port = this.port > 0 ? this.port : Ports.freePort();
      Path logFile = logDir.resolve(name + ".log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmArgs);
      command.add("-jar");
      command.add(jar.toString());
      try {
        Files.createDirectories(logDir);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(logFile.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("GATEWAY_"));
        pb.environment().put("GATEWAY_HOST", "127.0.0.1");
        pb.environment().putAll(env);
        pb.environment().put("GATEWAY_PORT", Integer.toString(port));
        Process p = pb.start();
        LIVE.add(p);
        return new GatewayProcess(name, port, logFile, p);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Starts the process and waits up to {@code seconds} for {@code /health/ready} to answer 200. */
    public GatewayProcess start(long seconds) {
      GatewayProcess p = launch();
      try {
        return p.awaitReady(seconds);
      } catch (RuntimeException | Error e) {
        p.close();
        throw e;
      }
    }
  }

  /** Polls {@code /health/ready} every 100 ms until it answers 200; fails if the process exits or the time is up. */
  public GatewayProcess awaitReady(long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (readyStatus() != 200) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue()
            + " before it was ready:\n" + logTail());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + ": /health/ready not 200 after " + seconds + " s:\n" + logTail());
      }
      pause(100);
    }
    return this;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
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

  public int readyStatus() {
    return status("/health/ready", 1_000);
  }

  private HttpResponse<String> get(String path, long timeoutMs) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url() + path))
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

  /**
   * SIGTERM (the node drains and leaves), then SIGKILL if it is still running after
   * {@code grace}; the exit code, or null if it had to be killed.
   */
  public Integer stop(Duration grace) {
    if (!process.isAlive()) {
      LIVE.remove(process);
      return process.exitValue();
    }
    sigterm();
    Integer exit = awaitExit(grace.toMillis());
    close();
    return exit;
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

  private static void signal(long pid, String signal) {
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

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
