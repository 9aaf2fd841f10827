package dev.gateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the targets: the gateway jar, the Node peers (installed from npm when needed) and the
 * vertx-web peer (a JVM of its own, from the benchmark jar, with the gateway's JVM flags).
 */
final class Servers {

  /**
   * SockJS settings every SockJS target runs with: the gateway's defaults, written into its
   * configuration and passed to the peers (sockjs-node's heartbeat_delay, disconnect_delay and
   * response_limit; vertx-web's heartbeatInterval, sessionTimeout and maxBytesStreaming).
   */
  static final long SOCKJS_HEARTBEAT_MS = 25_000;
  static final long SOCKJS_SESSION_TIMEOUT_MS = 5_000;
  static final int SOCKJS_MAX_BYTES_STREAMING = 128 * 1024;
  /** The gateway's message limit (limits.maxMessageBytes), vertx-web's xhr_send body limit. */
  static final int MAX_MESSAGE_BYTES = 256 * 1024;

  private Servers() {
  }

  static boolean isNodePeer(Target t) {
    return t == Target.WS || t == Target.SOCKETIO || t == Target.SOCKJS_NODE;
  }

  /**
   * The gateway's benchmark configuration: the full gateway (JSON protocol, permissions,
   * metrics, outbound backpressure at its defaults), with {@code bench.*} a channel namespace
   * clients may register and publish to,
   * the publisher's rate limit raised (one publisher connection sends up to 400 messages/s),
   * room for 15,000 benchmark connections plus publishers, no demo services, a quick stop; the
   * SockJS settings the peers get too (the gateway's defaults, stated so they stay the same).
   */
  static String gatewayConfig(int port) {
    return """
        {
          "server": {"host": "127.0.0.1", "port": %d, "drainWindowMs": 0, "shutdownTimeoutMs": 2000},
          "permissions": {"subscribe": ["bench.*"], "publish": ["bench.*"]},
          "limits": {"maxConnections": 16000, "messagesPerSecond": 1000, "messageBurst": 1000,
                     "bytesPerSecond": 262144,
                     "maxMessageBytes": %d, "maxConnectionsPerAddress": 16000,
                     "maxHandshakesPerAddress": 1000},
          "sockjs": {"heartbeatMs": %d, "sessionTimeoutMs": %d, "maxBytesStreaming": %d},
          "demo": {"enabled": false}
        }
        """.formatted(port, MAX_MESSAGE_BYTES, SOCKJS_HEARTBEAT_MS, SOCKJS_SESSION_TIMEOUT_MS,
        SOCKJS_MAX_BYTES_STREAMING);
  }

  static ServerProcess start(Target target, BenchOptions opts, Path workDir) throws Exception {
    int port = ServerProcess.freePort();
    Path peers = opts.root.resolve("load-tests/peers");
    return switch (target) {
      case GATEWAY -> {
        Path config = workDir.resolve("gateway-bench.json");
        Files.writeString(config, gatewayConfig(port));
        List<String> cmd = jvm(opts);
        cmd.addAll(List.of("-jar", opts.gatewayJar.toString(), "--config", config.toString()));
        yield ServerProcess.start(target, port, cmd, opts.root, opts.gatewayEnv, "gateway: listening on",
            workDir, 90_000);
      }
      case WS -> ServerProcess.start(target, port,
          List.of("node", "ws-server.js", Integer.toString(port), "127.0.0.1"), peers, Map.of(),
          "listening on", workDir, 30_000);
      case SOCKETIO -> ServerProcess.start(target, port,
          List.of("node", "socketio-server.js", Integer.toString(port), "127.0.0.1"), peers,
          Map.of(), "listening on", workDir, 30_000);
      case SOCKJS_NODE -> ServerProcess.start(target, port,
          List.of("node", "sockjs-server.js", Integer.toString(port), "127.0.0.1",
              Long.toString(SOCKJS_HEARTBEAT_MS), Long.toString(SOCKJS_SESSION_TIMEOUT_MS),
              Integer.toString(SOCKJS_MAX_BYTES_STREAMING)), peers, Map.of(), "listening on",
          workDir, 30_000);
      case VERTX_WEB -> {
        List<String> cmd = jvm(opts);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
            VertxWebPeer.class.getName(), Integer.toString(port), "127.0.0.1",
            Long.toString(SOCKJS_HEARTBEAT_MS), Long.toString(SOCKJS_SESSION_TIMEOUT_MS),
            Integer.toString(SOCKJS_MAX_BYTES_STREAMING), Integer.toString(MAX_MESSAGE_BYTES)));
        yield ServerProcess.start(target, port, cmd, opts.root, Map.of(), "listening on",
            workDir, 90_000);
      }
    };
  }

  /** The java binary and the gateway's JVM flags (the vertx-web peer runs with the same). */
  private static List<String> jvm(BenchOptions opts) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    for (String flag : opts.gatewayJvm.trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        cmd.add(flag);
      }
    }
    return cmd;
  }

  /** {@code npm ci} in load-tests/peers unless node_modules matches package-lock.json already. */
  static void installPeers(BenchOptions opts) throws IOException, InterruptedException {
    Path peers = opts.root.resolve("load-tests/peers");
    Path lock = peers.resolve("package-lock.json");
    Path installed = peers.resolve("node_modules/.package-lock.json");
    if (Files.exists(installed)
        && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
      return;
    }
    Report.progress("installing the Node peers: npm ci in %s", peers);
    Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(peers.toFile())
        .inheritIO().start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("npm ci did not finish in 300 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException("npm ci failed with exit code " + p.exitValue());
    }
  }

  static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** First line of a command's output (versions), or "?". */
  static String version(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out.replace("\n", " / ");
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }
}
