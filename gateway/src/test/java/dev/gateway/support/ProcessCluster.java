package dev.gateway.support;

import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Gateway nodes as processes ({@link GatewayProcess}) from the built jar ({@code target/gateway.jar},
 * relative to the module directory, where Failsafe runs), clustered on 127.0.0.1 under a name and
 * a cluster secret of their own with a short failure detection, one event loop each, the demo
 * clock nearly silent and the client rate limits raised; logs in {@code target/cluster-it/}. As a
 * JUnit extension ({@code @RegisterExtension}, static: around the class; instance field: around
 * each test) it starts the nodes, gives a client Vert.x, and closes the clients a test opened
 * through it and then the nodes (SIGKILL).
 */
public final class ProcessCluster extends ScopedExtension {

  public static final Path JAR = Path.of("target", "gateway.jar");
  public static final Path LOGS = Path.of("target", "cluster-it");
  /** Failure detection of the nodes (Hazelcast max-no-heartbeat), unless a test overrides it. */
  public static final long FAILURE_DETECTION_MS = 3_000;
  /** Settings of every node, clustered or not, unless a test overrides them. */
  public static final Map<String, String> NODE_DEFAULTS = Map.of(
      "GATEWAY_EVENT_LOOPS", "1",
      "GATEWAY_DRAIN_WINDOW_MS", "1000",
      "GATEWAY_DEMO_CLOCK_INTERVAL_MS", "60000",
      "GATEWAY_MESSAGES_PER_SECOND", "10000",
      "GATEWAY_MESSAGE_BURST", "10000",
      "GATEWAY_RATE_LIMIT_STRIKES", "100000",
      // test clients all connect from 127.0.0.1, many at once: not one office behind a NAT
      "GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "100000",
      "GATEWAY_MAX_HANDSHAKES_PER_ADDRESS", "10000");

  private final int size;
  private final Map<String, String> env;
  private final List<GatewayProcess> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Map<String, String> vars;
  private int launches;
  private Vertx client;

  private ProcessCluster(int size, Map<String, String> env) {
    this.size = size;
    this.env = env;
  }

  /** {@code size} clustered nodes; {@code env} adds or overrides {@code GATEWAY_*} variables. */
  public static ProcessCluster of(int size, Map<String, String> env) {
    return new ProcessCluster(size, env);
  }

  /** One node as a process, not started: {@link #NODE_DEFAULTS} with {@code env} on top. */
  public static GatewayProcess.Builder node(String name, Map<String, String> env) {
    return GatewayProcess.builder(JAR).name(name).logDir(LOGS)
        .jvmArgs("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
        .env(NODE_DEFAULTS).env(env);
  }

  /**
   * Launches the nodes of a new cluster together (they start faster side by side) and waits
   * until each is ready and sees all of them.
   */
  public static List<GatewayProcess> start(String label, int size, Map<String, String> env) {
    return launch(clusterVars(label, env), size);
  }

  /**
   * The variables of every node of a new cluster: its own name and its own Hazelcast ports, so
   * other clusters on the machine never meet it, a fresh secret, and {@code env} on top.
   */
  public static Map<String, String> clusterVars(String label, Map<String, String> env) {
    TestCluster tc = TestCluster.create(label);
    Map<String, String> vars = new HashMap<>();
    vars.put("GATEWAY_CLUSTER", "true");
    vars.put("GATEWAY_CLUSTER_NAME", tc.name());
    vars.put("GATEWAY_CLUSTER_HOST", "127.0.0.1");
    vars.put("GATEWAY_CLUSTER_PORT", Integer.toString(tc.basePort()));
    vars.put("GATEWAY_CLUSTER_MEMBERS", "127.0.0.1");
    vars.put("GATEWAY_CLUSTER_FAILURE_DETECTION_MS", Long.toString(FAILURE_DETECTION_MS));
    vars.put("GATEWAY_CLUSTER_SECRET", TestCluster.newSecret());
    vars.putAll(env);
    return vars;
  }

  /** Launches {@code size} nodes with {@code vars} and waits until each is ready and sees all. */
  public static List<GatewayProcess> launch(Map<String, String> vars, int size) {
    String cluster = vars.get("GATEWAY_CLUSTER_NAME");
    List<GatewayProcess> started = new ArrayList<>();
    try {
      for (int i = 1; i <= size; i++) {
        started.add(node(cluster + "-node" + i, vars).launch());
      }
      for (GatewayProcess p : started) {
        p.awaitReady(90);
      }
      for (GatewayProcess p : started) {
        awaitMembers(p, size, 30);
      }
      return started;
    } catch (RuntimeException | Error e) {
      started.forEach(GatewayProcess::close);
      throw e;
    }
  }

  /** Waits until the node counts {@code size} cluster members; an assertion failure after the time. */
  public static void awaitMembers(GatewayProcess p, int size, long seconds) {
    if (!p.awaitMetric("gateway_cluster_members", v -> v == size, seconds)) {
      throw new AssertionError(p.name + " does not see " + size + " members: "
          + p.metric("gateway_cluster_members") + "\n" + p.logTail());
    }
  }

  @Override
  protected void start(String label) {
    vars = clusterVars(label, env);
    nodes.addAll(launch(vars, size));
    client = Vertx.vertx();
  }

  @Override
  protected void stop() throws Exception {
    try {
      if (client != null) {
        client.close().await(10, TimeUnit.SECONDS);
      }
    } finally {
      client = null;
      nodes.forEach(GatewayProcess::close);
      nodes.clear();
    }
  }

  /** Node {@code index} (0-based). */
  public GatewayProcess node(int index) {
    return nodes.get(index);
  }

  /**
   * Starts node {@code index} anew (after it stopped or was killed) with the cluster's settings,
   * on a new port and a log of its own, and waits until it is ready and sees {@code size}
   * members; it replaces the old process at that index.
   */
  public GatewayProcess relaunch(int index) {
    GatewayProcess old = nodes.get(index);
    old.close();
    GatewayProcess p = node(vars.get("GATEWAY_CLUSTER_NAME") + "-node" + (index + 1) + "-r"
        + (++launches), vars).launch();
    nodes.set(index, p);
    p.awaitReady(90);
    awaitMembers(p, size, 30);
    return p;
  }

  /**
   * Launches a replacement for node {@code index} with the cluster's settings while the old one
   * may still be draining, and puts it at that index at once (its readiness is the caller's to
   * await); the old process is the caller's to stop.
   */
  public GatewayProcess launchReplacement(int index) {
    GatewayProcess p = node(vars.get("GATEWAY_CLUSTER_NAME") + "-node" + (index + 1) + "-r"
        + (++launches), vars).launch();
    nodes.set(index, p);
    return p;
  }

  /** The number of nodes the cluster was started with. */
  public int size() {
    return size;
  }

  public Vertx client() {
    return client;
  }

  /** A bridge client on the node's {@code /ws}, closed after the test. */
  public BridgeClient connect(GatewayProcess node) {
    return closeAfter(BridgeClient.connect(client, node.port));
  }
}
