package dev.gateway.support;

import dev.gateway.Main;
import dev.gateway.MainVerticle;
import dev.gateway.config.ConfigLoader;
import dev.gateway.config.GatewayConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway node for tests: its own Vert.x (so clients never share its event loops), a real
 * Prometheus registry, listening on 127.0.0.1 on a free port. Close it to stop it.
 *
 * <p>The event-loop execute-time limit is short so any blocking call shows up in the test log.
 */
public final class TestGateway implements AutoCloseable {

  public final Vertx vertx;
  public final PrometheusMeterRegistry registry;
  public final MainVerticle main;
  public final GatewayConfig config;
  public final int port;

  private TestGateway(Vertx vertx, PrometheusMeterRegistry registry, MainVerticle main,
                      GatewayConfig config) {
    this.vertx = vertx;
    this.registry = registry;
    this.main = main;
    this.config = config;
    this.port = config.server().port();
  }

  /** Starts a node with default settings (demo services on). */
  public static TestGateway start() {
    return start(new JsonObject());
  }

  /**
   * Starts a node with the given config (same shape as a config file, e.g.
   * {@code {"permissions":{"publish":["*"]}}}); host and port are set here.
   */
  public static TestGateway start(JsonObject config) {
    return start(config, Map.of());
  }

  /** As {@link #start(JsonObject)}, with environment overrides ({@code GATEWAY_*} names). */
  public static TestGateway start(JsonObject config, Map<String, String> env) {
    JsonObject c = config.copy();
    JsonObject server = c.getJsonObject("server", new JsonObject());
    server.put("host", "127.0.0.1").put("port", freePort());
    if (!server.containsKey("eventLoops")) {
      server.put("eventLoops", 2);
    }
    c.put("server", server);
    GatewayConfig gc = ConfigLoader.fromJson(c, env);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    VertxOptions options = new VertxOptions()
        .setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100);
    Vertx vertx = Main.createVertx(options, registry);
    MainVerticle main = new MainVerticle(gc, registry);
    try {
      vertx.deployVerticle(main).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("gateway did not start", e);
    }
    return new TestGateway(vertx, registry, main, gc);
  }

  public String httpUrl(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  public String wsUrl(String path) {
    return "ws://127.0.0.1:" + port + path;
  }

  /** The Prometheus scrape as text (what GET /metrics serves). */
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

  @Override
  public void close() {
    try {
      vertx.close().await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("gateway did not stop", e);
    }
  }

  /** A port free on 127.0.0.1 right now. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
