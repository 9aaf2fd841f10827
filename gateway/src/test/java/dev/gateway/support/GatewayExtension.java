package dev.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

/**
 * The gateway under test and its clients, for one test class:
 * <pre>
 *   {@literal @}RegisterExtension
 *   static final GatewayExtension gw = GatewayExtension.config(new JsonObject()...);
 * </pre>
 * starts a {@link TestGateway} (or the nodes of a {@link TestCluster}, waiting until each sees
 * all members) before the class, and a client Vert.x on its own event loops with a
 * {@link WebClient} and an HTTP client; everything is closed after the class, and the
 * {@link BridgeClient}s and extra nodes a test opens through it are closed after that test.
 * Registered as an instance field instead of a static one, it does the same around each test.
 */
public final class GatewayExtension extends ScopedExtension {

  private final List<JsonObject> configs;
  private final Map<String, String> env;
  private final boolean clustered;
  private final List<TestGateway> nodes = new ArrayList<>();
  private Vertx client;
  private WebClient web;
  private HttpClientAgent http;

  private GatewayExtension(List<JsonObject> configs, Map<String, String> env, boolean clustered) {
    this.configs = configs;
    this.env = env;
    this.clustered = clustered;
  }

  /** One node with default settings (demo services on). */
  public static GatewayExtension defaults() {
    return config(new JsonObject());
  }

  /** One node with the config (shape of a config file; host and port are set by the harness). */
  public static GatewayExtension config(JsonObject config) {
    return config(config, Map.of());
  }

  /** As {@link #config(JsonObject)}, with environment overrides ({@code GATEWAY_*} names). */
  public static GatewayExtension config(JsonObject config, Map<String, String> env) {
    return new GatewayExtension(List.of(config), env, false);
  }

  /**
   * The nodes of one cluster of their own (named after the test class, on free ports), one per
   * config, named A, B, C...; started one after the other, then each waits to see all of them.
   */
  public static GatewayExtension cluster(JsonObject... configs) {
    return new GatewayExtension(List.of(configs), Map.of(), true);
  }

  @Override
  protected void start(String label) {
    try {
      TestCluster cluster = clustered ? TestCluster.create(label) : null;
      for (int i = 0; i < configs.size(); i++) {
        nodes.add(cluster == null ? TestGateway.start(configs.get(i), env)
            : TestGateway.startClustered(String.valueOf((char) ('A' + i)), cluster, configs.get(i)));
      }
      if (clustered) {
        nodes.forEach(n -> n.awaitMembers(nodes.size()));
      }
      client = Vertx.vertx();
      web = WebClient.create(client);
      // a connection per request: SockJS closes the connection after a polling answer
      http = client.createHttpClient(new HttpClientOptions().setKeepAlive(false),
          new PoolOptions().setHttp1MaxSize(8));
    } catch (RuntimeException | Error e) {
      stop();
      throw e;
    }
  }

  @Override
  protected void stop() {
    RuntimeException failure = null;
    if (client != null) {
      try {
        client.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        failure = new IllegalStateException("client Vert.x did not close", e);
      }
      client = null;
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      try {
        nodes.get(i).close();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    nodes.clear();
    if (failure != null) {
      throw failure;
    }
  }

  /** The node (the first one of a cluster). */
  public TestGateway node() {
    return node(0);
  }

  public TestGateway node(int index) {
    if (nodes.isEmpty()) {
      throw new IllegalStateException("the gateway is not started: register the extension with"
          + " @RegisterExtension on a static field (or an instance field, for one node per test)");
    }
    return nodes.get(index);
  }

  public List<TestGateway> nodes() {
    return List.copyOf(nodes);
  }

  public int port() {
    return node().port;
  }

  public String url(String path) {
    return node().httpUrl(path);
  }

  /** The clients' Vert.x (its own event loops, not the gateway's). */
  public Vertx client() {
    return client;
  }

  public WebClient web() {
    return web;
  }

  /** An HTTP client on the clients' Vert.x that opens a new connection per request. */
  public HttpClientAgent http() {
    return http;
  }

  /** A bridge client on the node's {@code /ws}, closed after the test. */
  public BridgeClient connect() {
    return connect(node());
  }

  public BridgeClient connect(TestGateway node) {
    return closeAfter(BridgeClient.connect(client, node.port));
  }

  public BridgeClient connect(WebSocketConnectOptions options) {
    return closeAfter(BridgeClient.connect(client, options));
  }

  /** Another node with this config, stopped after the test (or after the class). */
  public TestGateway start(JsonObject config) {
    return closeAfter(TestGateway.start(config));
  }

  /** {@code POST /api/publish {address, body}} on the node; the HTTP status. */
  public int publish(String address, Object body) {
    return post("/api/publish", new JsonObject().put("address", address).put("body", body)).statusCode();
  }

  /** A JSON POST to the node, answer read fully (10 s at most). */
  public HttpResponse<Buffer> post(String path, JsonObject body) {
    try {
      return web.post(port(), "127.0.0.1", path).sendJsonObject(body).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("POST " + path + " failed: " + e, e);
    }
  }

  /** A GET to the node, answer read fully (10 s at most). */
  public HttpResponse<Buffer> get(String path) {
    try {
      return web.get(port(), "127.0.0.1", path).send().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("GET " + path + " failed: " + e, e);
    }
  }

  /** The node's Prometheus scrape, read from its registry. */
  public String scrape() {
    return node().scrape();
  }

  /** One sample of the node's scrape, e.g. {@code gateway_connections{transport="websocket"}}; 0 if absent. */
  public double metric(String sample) {
    return node().metric(sample);
  }

  /** Polls the node's sample until it matches or {@code seconds} pass; returns the last value read. */
  public double awaitMetric(String sample, DoublePredicate match, long seconds) {
    return node().awaitMetric(sample, match, seconds);
  }

  /** {@code prefix-xxxxxxxx}: a channel name no other test uses. */
  public static String fresh(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
