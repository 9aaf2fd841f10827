package dev.gateway.cluster;

import dev.gateway.Main;
import dev.gateway.MainVerticle;
import dev.gateway.config.ConfigLoader;
import dev.gateway.config.GatewayConfig;
import dev.gateway.support.BridgeClient;
import dev.gateway.support.TestGateway;
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
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.function.DoubleSupplier;

/**
 * One clustered gateway node for multi-node tests in one JVM: its own clustered Vert.x (real
 * Hazelcast on 127.0.0.1), a real Prometheus registry, the gateway deployed as {@code Main}
 * does, HTTP on a free port. Nodes of one test class share a cluster name no other run uses
 * and a Hazelcast base port (the second node auto-increments), so clusters of parallel or
 * earlier runs never merge with it. Closing the node closes its Vert.x, which leaves the cluster.
 */
public final class ClusterNode implements AutoCloseable {

  public final String name;
  public final Vertx vertx;
  public final PrometheusMeterRegistry registry;
  public final MainVerticle main;
  public final GatewayConfig config;
  public final int port;

  private ClusterNode(String name, Vertx vertx, PrometheusMeterRegistry registry, MainVerticle main,
                      GatewayConfig config) {
    this.name = name;
    this.vertx = vertx;
    this.registry = registry;
    this.main = main;
    this.config = config;
    this.port = config.server().port();
  }

  /** A cluster name unique to this run, e.g. {@code it-ClusterBroadcastIT-1a2b3c4d}. */
  public static String uniqueClusterName(Class<?> testClass) {
    return "it-" + testClass.getSimpleName() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * A Hazelcast base port with the two ports after it free too (Hazelcast's TCP/IP join tries
   * the base port and the next two for a member listed without a port). Below Linux's
   * ephemeral range, so an outgoing connection does not take one of them meanwhile.
   */
  public static int freeClusterBasePort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
      if (free(base) && free(base + 1) && free(base + 2)) {
        return base;
      }
    }
    throw new IllegalStateException("no free port range for Hazelcast");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Starts a node of the given cluster. {@code overrides} has the shape of a config file
   * (e.g. {@code {"demo":{"enabled":false}}}); server and cluster network settings are set here.
   */
  public static ClusterNode start(String name, String clusterName, int clusterBasePort,
                                  JsonObject overrides) {
    JsonObject c = overrides.copy();
    JsonObject server = c.getJsonObject("server", new JsonObject());
    server.put("host", "127.0.0.1").put("port", TestGateway.freePort());
    if (!server.containsKey("eventLoops")) {
      server.put("eventLoops", 2);
    }
    c.put("server", server);
    JsonObject cluster = c.getJsonObject("cluster", new JsonObject());
    cluster.put("enabled", true).put("name", clusterName).put("host", "127.0.0.1")
        .put("port", clusterBasePort).put("members", new JsonArray().add("127.0.0.1"))
        .put("failureDetectionMs", 3000);
    c.put("cluster", cluster);
    GatewayConfig gc = ConfigLoader.fromJson(c, Map.of());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    VertxOptions options = new VertxOptions()
        .setMaxEventLoopExecuteTime(500)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS);
    Vertx vertx;
    try {
      vertx = Main.startVertx(gc, options, registry).await(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node " + name + " did not join cluster " + clusterName, e);
    }
    MainVerticle main = new MainVerticle(gc, registry);
    try {
      vertx.deployVerticle(main).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("gateway node " + name + " did not start", e);
    }
    return new ClusterNode(name, vertx, registry, main, gc);
  }

  public String httpUrl(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** The Prometheus scrape as text (what GET /metrics serves). */
  public String scrape() {
    return registry.scrape();
  }

  /** Value of one sample, e.g. {@code gateway_cluster_members}; 0 if absent. */
  public double metric(String sample) {
    for (String line : scrape().split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim());
      }
    }
    return 0;
  }

  /** Polls the sample until it matches or the deadline passes; returns the last value read. */
  public double awaitMetric(String sample, DoublePredicate match, long seconds) {
    return awaitValue(() -> metric(sample), match, seconds);
  }

  /** Polls until the value matches or the deadline passes; returns the last value read. */
  public static double awaitValue(DoubleSupplier value, DoublePredicate match, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    double v = value.getAsDouble();
    while (!match.test(v) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      v = value.getAsDouble();
    }
    return v;
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

  /** {@code prefix-xxxxxxxx}: a channel name no other test uses. */
  public static String fresh(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** POST /api/publish {address, body} on this node; returns the HTTP status. */
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

  /** Collects up to {@code n} {@code rec} messages on the address before the deadline. */
  public static List<JsonObject> collect(BridgeClient c, String address, int n, long deadlineNanos) {
    List<JsonObject> got = new ArrayList<>();
    while (got.size() < n && System.nanoTime() < deadlineNanos) {
      JsonObject m = c.next(1);
      if (m != null && "rec".equals(m.getString("type")) && address.equals(m.getString("address"))) {
        got.add(m);
      }
    }
    return got;
  }

  /** Vert.x's cluster manager of this node (Hazelcast). */
  public ClusterManager clusterManager() {
    return ((VertxInternal) vertx).clusterManager();
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
      throw new IllegalStateException("node " + name + " did not stop", e);
    }
  }
}
