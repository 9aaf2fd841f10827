package dev.gateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Servers of the history benchmark: a single gateway node with history on or off, a local
 * three-node cluster from the jar (each node with its own client, Hazelcast and event-bus ports,
 * one cluster name of its own, a random cluster secret), and the Socket.IO peer with
 * {@code connectionStateRecovery}. Every process is a {@link ServerProcess}, stopped by PID.
 */
final class HistoryServers {

  /** The history rule of the benchmark's channels: the default rule of {@code chat.*}. */
  static final String HISTORY_RULE = "bench.* size=100 maxBytes=1048576 ttlSeconds=300";

  private HistoryServers() {
  }

  /**
   * The fan-out benchmark's gateway configuration with {@code history.channels} set to
   * {@link #HISTORY_RULE} or to {@code []}, the publishers' message and byte rate limits raised
   * (20,000 messages/s and 8 MiB/s per connection: one publisher connection per node sends up
   * to some thousands of publications/s), and, for a cluster node, the {@code cluster} block.
   */
  static String gatewayConfig(int port, boolean history, String clusterJson) {
    return gatewayConfig(port, history, clusterJson, "");
  }

  /** The same with {@code extra} (further top-level members, each starting with a comma). */
  static String gatewayConfig(int port, boolean history, String clusterJson, String extra) {
    return """
        {
          "server": {"host": "127.0.0.1", "port": %d, "drainWindowMs": 0, "shutdownTimeoutMs": 2000},
          "permissions": {"subscribe": ["bench.*"], "publish": ["bench.*"]},
          "limits": {"maxConnections": 16000, "messagesPerSecond": 20000, "messageBurst": 20000,
                     "bytesPerSecond": 8388608, "byteBurst": 8388608,
                     "maxConnectionsPerAddress": 16000, "maxHandshakesPerAddress": 1000},
          "history": {"channels": [%s]},
          "demo": {"enabled": false}%s%s
        }
        """.formatted(port, history ? "\"" + HISTORY_RULE + "\"" : "",
        clusterJson == null ? "" : ",\n  \"cluster\": " + clusterJson, extra);
  }

  /** One gateway node, history on or off (target label gateway-history / gateway-nohistory). */
  static ServerProcess single(BenchOptions opts, Path work, boolean history) throws Exception {
    int port = ServerProcess.freePort();
    String name = history ? "gateway-history" : "gateway-nohistory";
    Path config = work.resolve(name + ".json");
    Files.writeString(config, gatewayConfig(port, history, null));
    return ServerProcess.start(Target.GATEWAY, name, port, gatewayCommand(opts, config),
        opts.root, opts.gatewayEnv, "gateway: listening on", work, 90_000);
  }

  /**
   * Three clustered nodes, history on, started one after the other and ready once each reports
   * {@code gateway_cluster_members 3.0} on /metrics (at most 120 s).
   */
  static List<ServerProcess> cluster(BenchOptions opts, Path work) throws Exception {
    return cluster(opts, work, true, "");
  }

  /**
   * Three clustered nodes with history on or off and {@code extra} in their configuration (see
   * {@link #gatewayConfig(int, boolean, String, String)}).
   */
  static List<ServerProcess> cluster(BenchOptions opts, Path work, boolean history, String extra)
      throws Exception {
    String name = "histbench-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis();
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    String hex = HexFormat.of().formatHex(secret);
    int[] hz = new int[3];
    for (int i = 0; i < 3; i++) {
      hz[i] = ServerProcess.freePort();
    }
    List<String> members = new ArrayList<>();
    for (int p : hz) {
      members.add("\"127.0.0.1:" + p + "\"");
    }
    List<ServerProcess> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        int port = ServerProcess.freePort();
        String cluster = """
            {"enabled": true, "name": "%s", "host": "127.0.0.1", "port": %d,
               "eventBusPort": %d, "members": [%s], "secret": "%s", "failureDetectionMs": 5000}"""
            .formatted(name, hz[i], ServerProcess.freePort(), String.join(", ", members), hex);
        Path config = work.resolve("node" + (i + 1) + ".json");
        Files.writeString(config, gatewayConfig(port, history, cluster, extra));
        nodes.add(ServerProcess.start(Target.GATEWAY, "node" + (i + 1), port,
            gatewayCommand(opts, config), opts.root, opts.gatewayEnv, "gateway: listening on",
            work, 120_000));
      }
      long deadline = System.nanoTime() + 120_000_000_000L;
      for (ServerProcess n : nodes) {
        while (!members(n).equals("3.0")) {
          if (System.nanoTime() > deadline || !n.alive()) {
            throw new IllegalStateException(n.label + " never saw 3 cluster members (see "
                + n.log() + ")");
          }
          Thread.sleep(250);
        }
      }
      return nodes;
    } catch (Exception e) {
      nodes.forEach(ServerProcess::close);
      throw e;
    }
  }

  /** The Socket.IO 4 peer with {@code connectionStateRecovery} (peers/socketio-server.js). */
  static ServerProcess socketIoRecovery(BenchOptions opts, Path work) throws Exception {
    Servers.installPeers(opts);
    int port = ServerProcess.freePort();
    return ServerProcess.start(Target.SOCKETIO, "socketio-recovery", port,
        List.of("node", "socketio-server.js", Integer.toString(port), "127.0.0.1", "recovery"),
        opts.root.resolve("load-tests/peers"), Map.of(), "listening on", work, 30_000);
  }

  private static String members(ServerProcess node) {
    String metrics = node.get("/metrics");
    if (metrics != null) {
      for (String line : metrics.split("\n")) {
        if (line.startsWith("gateway_cluster_members")) {
          return line.substring(line.lastIndexOf(' ') + 1).trim();
        }
      }
    }
    return "";
  }

  private static List<String> gatewayCommand(BenchOptions opts, Path config) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Servers.javaBinary());
    for (String flag : opts.gatewayJvm.trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        cmd.add(flag);
      }
    }
    cmd.addAll(List.of("-jar", opts.gatewayJar.toString(), "--config", config.toString()));
    return cmd;
  }
}
