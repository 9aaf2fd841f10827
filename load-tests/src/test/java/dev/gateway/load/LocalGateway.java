package dev.gateway.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A gateway node for the smoke run: {@code java -jar gateway.jar} as a child process on a free
 * 127.0.0.1 port, single node, default settings otherwise (rate limit, permissions, echo; only
 * the SIGTERM drain window is shortened to 1 s). Started
 * by the simulation's {@code before()} (waits for {@code /health/ready}), stopped by PID in
 * {@code after()} (SIGTERM, then SIGKILL after 20 s; a shutdown hook does the same if Gatling
 * exits abruptly). Output goes to the log file next to the Gatling results.
 */
public final class LocalGateway implements AutoCloseable {

  private final Path jar;
  private final Path log;
  private final int port;
  private volatile Process process;

  private LocalGateway(Path jar, Path log, int port) {
    this.jar = jar;
    this.log = log;
    this.port = port;
  }

  /** The node named by {@code -Dgateway.launchJar} (log: {@code -Dgateway.launchLog}), or null. */
  public static LocalGateway fromSystemProperties() {
    String jar = System.getProperty("gateway.launchJar", "");
    if (jar.isBlank()) {
      return null;
    }
    String log = System.getProperty("gateway.launchLog", "");
    Path logPath = log.isBlank() ? targetDir().resolve("gatling").resolve("smoke-gateway.log") : Path.of(log);
    return new LocalGateway(Path.of(jar).toAbsolutePath().normalize(), logPath.toAbsolutePath(), freePort());
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public void start() {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it first (mvn -B -DskipTests package)");
    }
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx384m", "-jar", jar.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("GATEWAY_"));
      pb.environment().put("GATEWAY_HOST", "127.0.0.1");
      pb.environment().put("GATEWAY_PORT", Integer.toString(port));
      pb.environment().put("GATEWAY_DRAIN_WINDOW_MS", "1000");
      // every virtual user connects from 127.0.0.1: the per-address limits would count them as one client
      pb.environment().put("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "100000");
      pb.environment().put("GATEWAY_MAX_HANDSHAKES_PER_ADDRESS", "10000");
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Process p = process;
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }, "local-gateway-reaper"));
    System.out.println("[gateway-load] started " + jar.getFileName() + " pid " + process.pid()
        + " on " + url() + " (log " + log + ")");
    awaitReady(Duration.ofSeconds(60));
  }

  private void awaitReady(Duration limit) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("gateway exited with " + process.exitValue() + ":\n" + logTail());
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/health/ready"))
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    close();
    throw new IllegalStateException("gateway not ready after " + limit.toSeconds() + " s:\n" + logTail());
  }

  /** SIGTERM to the node's PID (graceful drain), SIGKILL if it is still there after 20 s. */
  @Override
  public void close() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
    System.out.println("[gateway-load] stopped gateway pid " + p.pid()
        + (p.isAlive() ? " (still alive!)" : ", exit " + p.exitValue()));
  }

  private String logTail() {
    try {
      String text = Files.readString(log, StandardCharsets.ISO_8859_1);
      return text.substring(Math.max(0, text.length() - 3000));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** load-tests/target (the parent of the test-classes this class was loaded from). */
  private static Path targetDir() {
    try {
      return Path.of(LocalGateway.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .getParent();
    } catch (Exception e) {
      return Path.of("target");
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
