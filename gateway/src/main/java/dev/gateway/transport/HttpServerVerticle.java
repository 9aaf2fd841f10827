package dev.gateway.transport;

import dev.gateway.api.PublishApi;
import dev.gateway.channel.ChannelHub;
import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.health.Health;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.CloseReason;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP server instance on one event loop (deployed once per loop; the instances share the
 * port). Owns that loop's {@link FanoutShard} and routes every endpoint of the gateway.
 */
public final class HttpServerVerticle extends VerticleBase {

  private final GatewayConfig config;
  private final ChannelHub hub;
  private final GatewayMetrics metrics;
  private final Health health;
  private final Buffer sockJsLibrary;
  private FanoutShard shard;
  private HttpServer server;

  public HttpServerVerticle(GatewayConfig config, ChannelHub hub, GatewayMetrics metrics,
                            Health health, Buffer sockJsLibrary) {
    this.config = config;
    this.hub = hub;
    this.metrics = metrics;
    this.health = health;
    this.sockJsLibrary = sockJsLibrary;
  }

  @Override
  public Future<?> start() {
    shard = new FanoutShard(vertx, hub, metrics);
    ProtocolHandler protocol = new ProtocolHandler(vertx.eventBus(), config, metrics);
    int maxMessage = config.limits().maxMessageBytes();

    Router router = Router.router(vertx);
    router.get("/health/live").handler(rc -> json(rc, 200, "{\"status\":\"UP\"}"));
    router.get("/health/ready").handler(rc -> {
      if (health.ready()) {
        json(rc, 200, "{\"status\":\"UP\"}");
      } else {
        json(rc, 503, "{\"status\":\"" + (health.draining() ? "DRAINING" : "STARTING") + "\"}");
      }
    });
    if (metrics.registry() instanceof PrometheusMeterRegistry prometheus) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(prometheus));
    }
    router.post("/api/publish")
        .handler(BodyHandler.create(false).setBodyLimit(maxMessage))
        .handler(new PublishApi(vertx.eventBus(), config, metrics)::handle);
    router.get("/ws").handler(new NativeWebSocketEndpoint(shard, protocol, config)::handle);
    router.get(SockJsEndpoint.LIBRARY_PATH).handler(rc -> rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/javascript; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=86400")
        .end(sockJsLibrary));
    // xhr_send reads the request body: SockJS needs a BodyHandler in front of its POST routes
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(maxMessage));
    router.route("/eventbus/*").subRouter(SockJsEndpoint.router(vertx, config, shard, protocol));
    router.route("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));

    GatewayConfig.Server s = config.server();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(s.host())
        .setPort(s.port())
        .setWebSocketSubProtocols(List.of(s.subprotocol()))
        .setMaxWebSocketFrameSize(64 * 1024)
        .setMaxWebSocketMessageSize(maxMessage)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
    server = vertx.createHttpServer(options).requestHandler(router);
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    shard.closeAll(CloseReason.SHUTDOWN);
    return server.shutdown(config.server().shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private static void json(RoutingContext rc, int status, String body) {
    rc.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }
}
