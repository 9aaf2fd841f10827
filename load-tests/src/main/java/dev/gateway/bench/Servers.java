package dev.gateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts the targets: the gateway jar, and the Node peers (installed from npm when needed). */
final class Servers {

  private Servers() {
  }

  /**
   * The gateway's benchmark configuration: the full gateway (JSON protocol, permissions,
   * metrics, outbound backpressure at its defaults), with publishing allowed on {@code bench.*},
   * the publisher's rate limit raised (one publisher connection sends up to 200 messages/s),
   * room for 15,000 benchmark connections plus publishers, no demo services, a quick stop.
   */
  static String gatewayConfig(int port) {
    return """
        {
          "server": {"host": "127.0.0.1", "port": %d, "drainWindowMs": 0, "shutdownTimeoutMs": 2000},
          "permissions": {"publish": ["bench.*"]},
          "limits": {"maxConnections": 16000, "messagesPerSecond": 1000, "messageBurst": 1000},
          "demo": {"enabled": false}
        }
        """.formatted(port);
  }

  static ServerProcess start(Target target, BenchOptions opts, Path workDir) throws Exception {
    int port = ServerProcess.freePort();
    Path peers = opts.root.resolve("load-tests/peers");
    return switch (target) {
      case GATEWAY -> {
        Path config = workDir.resolve("gateway-bench.json");
        Files.writeString(config, gatewayConfig(port));
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        for (String flag : opts.gatewayJvm.trim().split("\\s+")) {
          if (!flag.isEmpty()) {
            cmd.add(flag);
          }
        }
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
    };
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
