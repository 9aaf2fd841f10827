package dev.gateway.proxy;

import dev.gateway.testkit.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's nginx as a child process running the documented proxy configuration
 * ({@code src/test/resources/nginx/gateway.conf}, linked from docs/operations/nginx.md) in front of one
 * gateway node. Only the listen address and the upstream server are changed; the test's wrapper
 * around it (single process, temp paths in a temp dir, {@code proxy_bind}) is not part of it.
 * Stopped by PID.
 */
final class Nginx implements AutoCloseable {

  /** Classpath resource of the documented configuration. */
  static final String DOCUMENTED = "/nginx/gateway.conf";
  static final String BINARY = "/usr/sbin/nginx";

  final int port;
  private final Process process;
  private final Path dir;

  private Nginx(int port, Process process, Path dir) {
    this.port = port;
    this.process = process;
    this.dir = dir;
  }

  /** The documented configuration's text. */
  static String documentedConfig() {
    try (InputStream in = Nginx.class.getResourceAsStream(DOCUMENTED)) {
      if (in == null) {
        throw new IllegalStateException(DOCUMENTED + " not on the test classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts nginx on 127.0.0.1 (free port) proxying to the gateway on 127.0.0.1:{@code gatewayPort},
   * connecting from {@code bindAddress} (so the gateway sees the proxy at that address).
   */
  static Nginx start(int gatewayPort, String bindAddress) throws IOException, InterruptedException {
    return start(List.of(gatewayPort), bindAddress);
  }

  /** As {@link #start(int, String)}, with every node of a cluster in the upstream. */
  static Nginx start(List<Integer> gatewayPorts, String bindAddress)
      throws IOException, InterruptedException {
    int port = Ports.freePort();
    StringBuilder servers = new StringBuilder();
    for (int p : gatewayPorts) {
      servers.append(servers.length() == 0 ? "" : "\n    ").append("server 127.0.0.1:").append(p).append(';');
    }
    Path dir = Files.createTempDirectory("gateway-nginx");
    String site = replaceOnce(replaceOnce(documentedConfig(),
        "listen 80;", "listen 127.0.0.1:" + port + ";"),
        "server 127.0.0.1:8080;", servers.toString());
    Files.writeString(dir.resolve("gateway.conf"), site);
    String temp = dir.toAbsolutePath().toString();
    Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
        "master_process off;",
        "events { worker_connections 256; }",
        "http {",
        "  access_log off;",
        "  client_body_temp_path " + temp + "/client_body;",
        "  proxy_temp_path " + temp + "/proxy;",
        "  fastcgi_temp_path " + temp + "/fastcgi;",
        "  uwsgi_temp_path " + temp + "/uwsgi;",
        "  scgi_temp_path " + temp + "/scgi;",
        "  proxy_bind " + bindAddress + ";",
        "  include " + temp + "/gateway.conf;",
        "}", ""));
    Process p = new ProcessBuilder(List.of(BINARY, "-p", temp, "-c", temp + "/nginx.conf",
        "-e", "stderr", "-g", "daemon off; pid " + temp + "/nginx.pid; error_log stderr;"))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("nginx.log").toFile())
        .start();
    Nginx nginx = new Nginx(port, p, dir);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!nginx.accepting()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        String log = nginx.log();
        nginx.close();
        throw new IllegalStateException("nginx did not start on 127.0.0.1:" + port + ":\n" + log);
      }
      Thread.sleep(20);
    }
    return nginx;
  }

  private static String replaceOnce(String text, String line, String replacement) {
    int at = text.indexOf(line);
    if (at < 0 || text.indexOf(line, at + 1) >= 0) {
      throw new IllegalStateException(DOCUMENTED + " must contain '" + line + "' exactly once");
    }
    return text.replace(line, replacement);
  }

  private boolean accepting() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** What nginx wrote to stderr so far. */
  String log() {
    try {
      return Files.readString(dir.resolve("nginx.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Stops nginx by its PID (SIGTERM, then SIGKILL) and removes its directory. */
  @Override
  public void close() {
    ProcessHandle handle = process.toHandle();
    handle.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        handle.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      handle.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
