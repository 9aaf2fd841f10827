package dev.gateway.transport;

import dev.gateway.transport.gate.HandshakeGate;
import dev.gateway.transport.gate.HttpGuard;
import dev.gateway.transport.io.Flusher;
import dev.gateway.api.PublishApi;
import dev.gateway.auth.Authenticator;
import dev.gateway.channel.ChannelHub;
import dev.gateway.channel.FanoutShard;
import dev.gateway.channel.PublishStamp;
import dev.gateway.channel.Publisher;
import dev.gateway.channel.stream.HistoryMetrics;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.LoopConnections;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.health.Drain;
import dev.gateway.health.Health;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.presence.Presence;
import dev.gateway.protocol.CloseReason;
import dev.gateway.transport.sockjs.SockJsNode;
import dev.gateway.transport.sockjs.SockJsServer;
import dev.gateway.transport.sse.SseEndpoint;
import dev.gateway.transport.tls.ServerCertificates;
import dev.gateway.transport.tls.TlsMaterial;
import dev.gateway.transport.tls.TlsPolicy;
import dev.gateway.transport.ws.Compression;
import dev.gateway.transport.ws.WebSocketTransport;
import dev.gateway.user.Users;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP server instance on one event loop (deployed once per loop; the instances share the
 * port). Owns that loop's connections ({@link LoopConnections}) and channel subscriptions
 * ({@link FanoutShard}). {@code /ws}, {@code /sse} and everything under {@code /eventbus} are
 * served straight from the server by the gateway's own endpoints, parsed from the raw path; the router serves the
 * rest (health, metrics and the HTTP API unless {@code management.port} moves them to the
 * {@link ManagementServerVerticle}, static files) and knows no SockJS route, so no spelling of a
 * SockJS path can reach SockJS through it. The server runs in Vert.x's strict thread mode:
 * every write to a connection happens on that connection's own event loop.
 */
public final class HttpServerVerticle extends VerticleBase {

  /** The path prefix of the SockJS endpoint. */
  public static final String SOCKJS_PREFIX = "/eventbus";

  private final GatewayConfig config;
  private final ChannelHub hub;
  private final GatewayMetrics metrics;
  private final Health health;
  private final Drain drain;
  private final Buffer sockJsLibrary;
  private final ConnectionSlots slots;
  private final Authenticator authenticator;
  private final PublishStamp stamp;
  private final SockJsNode sockJsNode;
  private final Publisher publisher;
  private final HistoryMetrics historyMetrics;
  private final Presence presence;
  private final Users users;
  private final ServerCertificates certificates;
  private LoopConnections loop;
  private HttpServer server;

  public HttpServerVerticle(GatewayConfig config, ChannelHub hub, GatewayMetrics metrics,
                            Health health, Buffer sockJsLibrary, ConnectionSlots slots,
                            Authenticator authenticator, PublishStamp stamp, Drain drain,
                            SockJsNode sockJsNode, Publisher publisher,
                            HistoryMetrics historyMetrics, Presence presence,
                            Users users, ServerCertificates certificates) {
    this.users = users;
    this.certificates = certificates;
    this.publisher = publisher;
    this.presence = presence;
    this.historyMetrics = historyMetrics;
    this.config = config;
    this.hub = hub;
    this.metrics = metrics;
    this.health = health;
    this.sockJsLibrary = sockJsLibrary;
    this.slots = slots;
    this.authenticator = authenticator;
    this.stamp = stamp;
    this.drain = drain;
    this.sockJsNode = sockJsNode;
  }

  @Override
  public Future<?> start() {
    FanoutShard shard = new FanoutShard(context, hub, metrics);
    loop = new LoopConnections(context, metrics);
    drain.register(loop);
    ProtocolHandler protocol = new ProtocolHandler(vertx.eventBus(), config, authenticator, stamp,
        metrics, publisher, hub, historyMetrics, presence);
    users.local().register(loop, protocol);
    Flusher flusher = new Flusher();
    HandshakeGate gate = new HandshakeGate(config, slots, health, metrics);
    HttpGuard guard = new HttpGuard(vertx, slots, gate, metrics, config.server().headerTimeoutMs());
    NativeWebSocketEndpoint nativeWebSocket = new NativeWebSocketEndpoint(loop, shard, protocol,
        authenticator, gate, metrics, config, flusher);
    SockJsServer sockJs = new SockJsServer(SOCKJS_PREFIX, config, gate, loop, shard, protocol,
        authenticator, metrics, sockJsNode, flusher);
    SseEndpoint sse = new SseEndpoint(loop, shard, protocol, authenticator, gate, metrics,
        publisher, config);
    Router router = router(gate);

    TlsMaterial tls = certificates == null ? null : certificates.current();
    server = vertx.createHttpServer(options(tls));
    int maxMessage = config.limits().maxMessageBytes();
    server.connectionHandler(conn -> {
      guard.connected(conn);
      if (config.server().compression()) {
        Compression.capInflation(conn, maxMessage);
      }
    });
    server.requestHandler(req -> {
      guard.headArrived(req.connection());
      securityHeaders(req.response());
      if (req.path().equals("/ws")) {
        nativeWebSocket.handle(req);
      } else if (req.path().equals(SseEndpoint.PATH)) {
        sse.handle(req);
      } else if (!sockJs.handle(req)) {
        router.handle(req);
      }
    });
    vertx.eventBus().<Object>consumer(PublishApi.REVOKE_ADDRESS, msg -> {
      // only a sealed notice (from a node with the cluster secret) closes anything
      String jti = authenticator.revocations().onNotice(PublishApi.REVOKE_ADDRESS, msg.body());
      if (jti != null) {
        loop.closeRevoked(jti);
      }
    });
    long pingNanos = TimeUnit.MILLISECONDS.toNanos(config.limits().pingIntervalMs());
    long pongNanos = TimeUnit.MILLISECONDS.toNanos(config.limits().pongTimeoutMs());
    long tick = Math.max(100, Math.min(1_000, config.limits().pongTimeoutMs() / 4));
    vertx.setPeriodic(tick, t -> loop.tick(pingNanos, pongNanos));
    return server.listen().onSuccess(s -> {
      if (tls != null) {
        certificates.register(s, tls);
      }
    });
  }

  /** The client port's options; with TLS when {@code tls} is not null ({@link TlsPolicy}). */
  private HttpServerOptions options(TlsMaterial tls) {
    GatewayConfig.Server s = config.server();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(s.host())
        .setPort(s.port())
        .setWebSocketSubProtocols(List.of(s.subprotocol()))
        .setMaxWebSocketFrameSize(config.limits().maxFrameBytes())
        .setMaxWebSocketMessageSize(config.limits().maxMessageBytes())
        .setPerMessageWebSocketCompressionSupported(s.compression())
        .setPerFrameWebSocketCompressionSupported(false)
        .setIdleTimeout((int) s.idleTimeoutMs())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        // HTTP/1.1 only: with h2c on, Vert.x sets a connection up only once its first bytes
        // arrive, so a connection that sends nothing would escape the header timeout
        .setHttp2ClearTextEnabled(false)
        .setStrictThreadMode(true);
    if (s.sendBufferBytes() > 0) {
      options.setSendBufferSize(s.sendBufferBytes());
    }
    if (tls != null) {
      TlsPolicy.apply(options, tls, s.headerTimeoutMs());
    }
    return options;
  }

  /**
   * Everything but {@code /ws} and SockJS: the management endpoints (health, metrics, the HTTP
   * API) unless the management server has them, then the SockJS library and static files.
   */
  private Router router(HandshakeGate gate) {
    Router router = Router.router(vertx);
    if (config.management().separate()) {
      ManagementRoutes.refuse(router);
    } else {
      ManagementRoutes.mount(router, vertx, config, metrics, health, publisher, gate::originAcceptable,
          authenticator.revocations(), users);
    }
    router.get(SockJsServer.LIBRARY_PATH).handler(rc -> rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/javascript; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=86400")
        .end(sockJsLibrary));
    router.route("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));
    return router;
  }

  @Override
  public Future<?> stop() {
    if (certificates != null) {
      certificates.unregister(server);
    }
    loop.closeAll(CloseReason.SHUTDOWN);
    return server.shutdown(config.server().shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** Nothing the gateway serves may be framed, except SockJS's iframe page when enabled. */
  static void securityHeaders(HttpServerResponse response) {
    HandshakeGate.securityHeaders(response);
  }
}
