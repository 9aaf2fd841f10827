package dev.gateway.transport;

import dev.gateway.api.PublishApi;
import dev.gateway.auth.Authenticator;
import dev.gateway.channel.ChannelHub;
import dev.gateway.cluster.SockJsForwarding;
import dev.gateway.channel.FanoutShard;
import dev.gateway.channel.PublishStamp;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.health.Drain;
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
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
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

  /** The local map where SockJS keeps its sessions (shared by all server instances). */
  private static final String SOCKJS_SESSIONS = "_vertx.sockjssessions";

  private final GatewayConfig config;
  private final ChannelHub hub;
  private final GatewayMetrics metrics;
  private final Health health;
  private final Drain drain;
  private final Buffer sockJsLibrary;
  private final ConnectionSlots slots;
  private final Authenticator authenticator;
  private final PublishStamp stamp;
  private FanoutShard shard;
  private HttpServer server;

  public HttpServerVerticle(GatewayConfig config, ChannelHub hub, GatewayMetrics metrics,
                            Health health, Buffer sockJsLibrary, ConnectionSlots slots,
                            Authenticator authenticator, PublishStamp stamp, Drain drain) {
    this.config = config;
    this.hub = hub;
    this.metrics = metrics;
    this.health = health;
    this.sockJsLibrary = sockJsLibrary;
    this.slots = slots;
    this.authenticator = authenticator;
    this.stamp = stamp;
    this.drain = drain;
  }

  @Override
  public Future<?> start() {
    shard = new FanoutShard(vertx, hub, metrics);
    drain.register(shard);
    ProtocolHandler protocol = new ProtocolHandler(vertx.eventBus(), config, authenticator, stamp,
        metrics);
    int maxMessage = config.limits().maxMessageBytes();

    LocalMap<String, Object> sockJsSessions = vertx.sharedData().getLocalMap(SOCKJS_SESSIONS);
    SockJsOpenings openings = new SockJsOpenings(vertx, sockJsSessions);
    HandshakeGate gate = new HandshakeGate(config, slots, sockJsSessions::containsKey, openings,
        health, metrics);
    NativeWebSocketEndpoint nativeWebSocket = new NativeWebSocketEndpoint(shard, protocol,
        authenticator, gate, slots, metrics, config);

    Router router = Router.router(vertx);
    router.route().handler(rc -> {
      securityHeaders(rc.response());
      rc.next();
    });
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
    PublishApi api = new PublishApi(vertx.eventBus(), stamp, config, metrics,
        req -> gate.originAcceptable(req));
    router.post("/api/publish")
        .handler(BodyHandler.create(false).setBodyLimit(maxMessage))
        .handler(api::handle)
        .failureHandler(api::failure);
    router.post("/api/revoke")
        .handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(api::revoke)
        .failureHandler(api::failure);
    vertx.eventBus().<JsonObject>consumer(PublishApi.REVOKE_ADDRESS, msg -> {
      String jti = msg.body().getString("jti");
      authenticator.revoke(jti, msg.body().getLong("expiresAtMillis", 0L));
      shard.closeRevoked(jti);
    });
    router.get(SockJsEndpoint.LIBRARY_PATH).handler(rc -> rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/javascript; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=86400")
        .end(sockJsLibrary));
    router.route("/eventbus/*").handler(gate::sockJs);
    router.getWithRegex("/eventbus/iframe[^/]*\\.html").handler(this::iframePage);
    // xhr_send reads the request body: SockJS needs a BodyHandler in front of its POST routes
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(maxMessage));
    SockJsForwarding forwarding = null;
    if (config.cluster().enabled()) {
      forwarding = new SockJsForwarding(vertx, stamp.nodeId(), sockJsSessions, metrics,
          config.sockjs().heartbeatMs() + config.sockjs().sessionTimeoutMs() + 5_000,
          HandshakeGate.receivingTransports(config.sockjs().transports()), gate::forwarded);
      router.route("/eventbus/*").handler(forwarding::route);
    }
    router.route("/eventbus/*").handler(openings::route);
    router.route("/eventbus/*").subRouter(
        SockJsEndpoint.router(vertx, config, shard, protocol, forwarding, slots, openings));
    // SockJS answers its greeting on the base URL with and without the trailing slash
    router.get("/eventbus").handler(rc -> rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8")
        .end("Welcome to SockJS!\n"));
    router.route("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));

    GatewayConfig.Server s = config.server();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(s.host())
        .setPort(s.port())
        .setWebSocketSubProtocols(List.of(s.subprotocol()))
        .setMaxWebSocketFrameSize(config.limits().maxFrameBytes())
        .setMaxWebSocketMessageSize(maxMessage)
        .setPerMessageWebSocketCompressionSupported(s.compression())
        .setPerFrameWebSocketCompressionSupported(false);
    // Not strict thread mode (saves ~5 kB per connection): vertx-web's SockJS heartbeat writes
    // from the context that created the session, and a session's later requests may arrive on
    // another event loop, where a strict-mode response refuses writes from other threads.
    if (s.sendBufferBytes() > 0) {
      options.setSendBufferSize(s.sendBufferBytes());
    }
    // /ws is served by the server itself (Vert.x's own socket, no router wrapper); the rest by the router
    server = vertx.createHttpServer(options);
    if (s.compression()) {
      server.connectionHandler(conn -> Compression.capInflation(conn, maxMessage));
    }
    server.requestHandler(req -> {
      if (req.path().equals("/ws")) {
        nativeWebSocket.handle(req);
      } else {
        router.handle(req);
      }
    });
    Future<Void> ready = forwarding == null ? Future.succeededFuture() : forwarding.start();
    long pingNanos = TimeUnit.MILLISECONDS.toNanos(config.limits().pingIntervalMs());
    long pongNanos = TimeUnit.MILLISECONDS.toNanos(config.limits().pongTimeoutMs());
    long tick = Math.max(100, Math.min(1_000, config.limits().pongTimeoutMs() / 4));
    vertx.setPeriodic(tick, t -> shard.checkLiveness(pingNanos, pongNanos));
    return ready.compose(v -> server.listen());
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

  /** Nothing the gateway serves may be framed, except SockJS's iframe page when enabled. */
  static void securityHeaders(HttpServerResponse response) {
    response.putHeader("X-Frame-Options", "DENY")
        .putHeader("Content-Security-Policy", "frame-ancestors 'none'")
        .putHeader("X-Content-Type-Options", "nosniff");
  }

  private void iframePage(RoutingContext rc) {
    if (!config.sockjs().iframe()) {
      rc.response().setStatusCode(404).end();
      return;
    }
    // the page exists to be framed by the client's page: by our own origin and allowed ones
    List<String> origins = config.security().allowedOrigins();
    String ancestors = origins.contains("*") ? "*" : String.join(" ",
        java.util.stream.Stream.concat(java.util.stream.Stream.of("'self'"), origins.stream()).toList());
    rc.response().headers().remove("X-Frame-Options");
    rc.response().putHeader("Content-Security-Policy", "frame-ancestors " + ancestors);
    rc.next();
  }

  private static void json(RoutingContext rc, int status, String body) {
    rc.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }
}
