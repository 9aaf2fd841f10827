package dev.gateway.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A server under test, started as its own process on 127.0.0.1 and stopped by PID. Every process
 * started is remembered so a JVM shutdown hook stops it even when the benchmark fails.
 */
final class ServerProcess implements AutoCloseable {

  private static final List<ServerProcess> STARTED = new CopyOnWriteArrayList<>();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(ServerProcess::close),
        "bench-stop-servers"));
  }

  final Target target;
  /** Names this process in logs and results (the target's label unless given). */
  final String label;
  final int port;
  final List<String> command;
  private final Process process;
  private final Path log;

  private ServerProcess(Target target, String label, int port, List<String> command,
                        Process process, Path log) {
    this.target = target;
    this.label = label;
    this.port = port;
    this.command = command;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code command} in {@code dir} and waits (at most {@code timeoutMs}) for
   * {@code readyText} in its output.
   */
  static ServerProcess start(Target target, int port, List<String> command, Path dir,
                             Map<String, String> env, String readyText, Path logDir, long timeoutMs)
      throws IOException, InterruptedException {
    return start(target, target.label, port, command, dir, env, readyText, logDir, timeoutMs);
  }

  /** The same, for one of several processes of a target ({@code label}: its log file's name). */
  static ServerProcess start(Target target, String label, int port, List<String> command,
                             Path dir, Map<String, String> env, String readyText, Path logDir,
                             long timeoutMs) throws IOException, InterruptedException {
    Path log = logDir.resolve(label + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    ServerProcess sp = new ServerProcess(target, label, port, command, p, log);
    STARTED.add(sp);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      if (Files.readString(log).contains(readyText)) {
        return sp;
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    sp.close();
    throw new IOException(label + " did not start (see " + log + "):\n" + tail(log));
  }

  long pid() {
    return process.pid();
  }

  long cpuMicros() {
    return Proc.cpuMicros(pid());
  }

  long rssKb() {
    return Proc.rssKb(pid());
  }

  boolean alive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** GET on the server's own port (metrics, stats); null on failure. */
  String get(String path) {
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).GET().build();
      HttpResponse<String> res = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
      return res.statusCode() == 200 ? res.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Broadcasts the server refused to queue (its backpressure): the gateway's
   * {@code gateway_messages_dropped_total} (all transports), the ws peer's own count; -1 if the
   * server has no such count.
   */
  long drops() {
    if (target == Target.GATEWAY) {
      String metrics = get("/metrics");
      if (metrics == null) {
        return -1;
      }
      double sum = 0;
      for (String line : metrics.split("\n")) {
        if (line.startsWith("gateway_messages_dropped_total")) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return (long) sum;
    }
    if (target == Target.WS) {
      String stats = get("/stats");
      if (stats == null) {
        return -1;
      }
      String d = stats.replaceAll(".*\"drops\":(\\d+).*", "$1").trim();
      return Long.parseLong(d);
    }
    return -1;
  }

  /**
   * The gateway's {@code gateway_outbound_queue_bytes} (written to sockets, not yet flushed), or
   * -1 for a server without it.
   */
  long queuedBytes() {
    if (target != Target.GATEWAY) {
      return -1;
    }
    String metrics = get("/metrics");
    if (metrics == null) {
      return -1;
    }
    for (String line : metrics.split("\n")) {
      if (line.startsWith("gateway_outbound_queue_bytes")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }

  /** Stops the process by PID: SIGTERM, then SIGKILL after 5 s. */
  @Override
  public void close() {
    STARTED.remove(this);
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }
}
