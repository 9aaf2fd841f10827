package dev.gateway.support;

import dev.gateway.Main;
import dev.gateway.MainVerticle;
import dev.gateway.config.ConfigLoader;
import dev.gateway.config.GatewayConfig;
import dev.gateway.testkit.Ports;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

/**
 * A real gateway node in this JVM: its own Vert.x (clients never share its event loops), a real
 * Prometheus registry, the gateway deployed as {@code Main} does, listening on 127.0.0.1 on a
 * free port; alone or as a member of a {@link TestCluster} (real Hazelcast on 127.0.0.1). Close it
 * to stop it (a clustered node leaves its cluster).
 *
 * <p>The event-loop execute-time limit is short (200 ms; 500 ms on clustered nodes, whose
 * Hazelcast calls at start-up take longer) so any blocking call shows up in the test log.
 */
public final class TestGateway implements AutoCloseable {

  public final String name;
  public final Vertx vertx;
  public final PrometheusMeterRegistry registry;
  public final MainVerticle main;
  public final GatewayConfig config;
  public final int port;

  private TestGateway(String name, Vertx vertx, PrometheusMeterRegistry registry, MainVerticle main,
                      GatewayConfig config) {
    this.name = name;
    this.vertx = vertx;
    this.registry = registry;
    this.main = main;
    this.config = config;
    this.port = config.server().port();
  }

  /** A node with default settings (demo services on). */
  public static TestGateway start() {
    return start(new JsonObject());
  }

  /**
   * A node with the given config (same shape as a config file, e.g.
   * {@code {"permissions":{"publish":["*"]}}}); host and port are set here.
   */
  public static TestGateway start(JsonObject config) {
    return start(config, Map.of());
  }

  /** As {@link #start(JsonObject)}, with environment overrides ({@code GATEWAY_*} names). */
  public static TestGateway start(JsonObject config, Map<String, String> env) {
    return start("gateway", null, config, env);
  }

  /**
   * A member {@code name} of the cluster; {@code config} as for {@link #start(JsonObject)}, the
   * cluster's network settings (name, 127.0.0.1, base port, 3 s failure detection) and its secret
   * (unless the config has one, or says {@code insecure}) are set here.
   */
  public static TestGateway startClustered(String name, TestCluster cluster, JsonObject config) {
    return start(name, cluster, config, Map.of());
  }

  private static TestGateway start(String name, TestCluster cluster, JsonObject config,
                                   Map<String, String> env) {
    JsonObject c = config.copy();
    JsonObject server = c.getJsonObject("server", new JsonObject());
    server.put("host", "127.0.0.1").put("port", Ports.freePort());
    if (!server.containsKey("eventLoops")) {
      server.put("eventLoops", 2);
    }
    c.put("server", server);
    if (cluster != null) {
      JsonObject clustering = c.getJsonObject("cluster", new JsonObject());
      clustering.put("enabled", true).put("name", cluster.name()).put("host", "127.0.0.1")
          .put("port", cluster.basePort()).put("members", new JsonArray().add("127.0.0.1"))
          .put("failureDetectionMs", 3000);
      if (!clustering.containsKey("secret") && !clustering.getBoolean("insecure", false)) {
        clustering.put("secret", cluster.secret());
      }
      c.put("cluster", clustering);
    }
    GatewayConfig gc = ConfigLoader.fromJson(c, env);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    VertxOptions options = new VertxOptions()
        .setMaxEventLoopExecuteTime(cluster == null ? 200 : 500)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100);
    String what = cluster == null ? "gateway" : "node " + name + " of cluster " + cluster.name();
    Vertx vertx;
    try {
      vertx = Main.startVertx(gc, options, registry).await(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(what + ": Vert.x did not start (or join the cluster)", e);
    }
    MainVerticle main = new MainVerticle(gc, registry);
    try {
      vertx.deployVerticle(main).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException(what + " did not start", e);
    }
    return new TestGateway(name, vertx, registry, main, gc);
  }

  public String httpUrl(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** The Prometheus scrape as text (what GET /metrics serves), read from the registry. */
  public String scrape() {
    return registry.scrape();
  }

  /** Value of one sample in the scrape, e.g. {@code gateway_connections{transport="websocket"}}; 0 if absent. */
  public double metric(String sample) {
    for (String line : scrape().split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim());
      }
    }
    return 0;
  }

  /** Polls the sample until it matches or {@code seconds} pass; returns the last value read. */
  public double awaitMetric(String sample, DoublePredicate match, long seconds) {
    return Await.value(() -> metric(sample), match, seconds);
  }

  /** {@code POST /api/publish {address, body}} on this node through {@code http}; the HTTP status. */
  public int apiPublish(HttpClient http, String address, Object body) {
    String json = new JsonObject().put("address", address).put("body", body).encode();
    try {
      return http.request(HttpMethod.POST, port, "127.0.0.1", "/api/publish").compose(req -> {
        Future<Integer> status = req.response()
            .compose(resp -> resp.body().map(b -> resp.statusCode()));
        req.putHeader("Content-Type", "application/json").end(json);
        return status;
      }).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("POST /api/publish on " + name + " failed: " + e, e);
    }
  }

  /** Waits until this node sees that many cluster members (fails the test otherwise). */
  public void awaitMembers(int members) {
    double seen = awaitMetric("gateway_cluster_members", v -> v == members, 60);
    if (seen != members) {
      throw new AssertionError("node " + name + " sees " + seen + " cluster members, not " + members);
    }
  }

  /** Waits until this node holds exactly {@code n} channel registrations (fails otherwise). */
  public void awaitRegistrations(int n) {
    double held = awaitMetric("gateway_eventbus_registrations", v -> v == n, 10);
    if (held != n) {
      throw new AssertionError("node " + name + " holds " + held + " channel registrations, not " + n);
    }
  }

  /** Vert.x's cluster manager of this node (Hazelcast); fails on a node that is not clustered. */
  public ClusterManager clusterManager() {
    ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    if (manager == null) {
      throw new IllegalStateException(name + " is not clustered");
    }
    return manager;
  }

  /**
   * Event-bus subscriptions to the address recorded in the cluster (Hazelcast's subscription
   * map, as every node sees it), with the node ids holding them.
   */
  public List<RegistrationInfo> clusterRegistrations(String address) {
    Promise<List<RegistrationInfo>> p = Promise.promise();
    ((HazelcastClusterManager) clusterManager()).getRegistrations(address, p);
    try {
      return p.future().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not read the registrations of " + address, e);
    }
  }

  /** This node's Vert.x node id in the cluster. */
  public String nodeId() {
    return clusterManager().getNodeId();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(40, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(name + " did not stop", e);
    }
  }
}
