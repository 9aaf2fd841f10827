package dev.gateway.transport;

import dev.gateway.auth.RevocationStore;
import dev.gateway.channel.Publisher;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.health.Health;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.transport.gate.HandshakeGate;
import dev.gateway.transport.gate.HttpGuard;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/**
 * The management server ({@code management.port}): health, metrics and the HTTP API
 * ({@link ManagementRoutes}) on a port of their own, so that a proxy or an ingress in front of
 * the main port never reaches them. One instance per node, on one event loop, in Vert.x's strict
 * thread mode, with the main server's security headers, idle timeout and header timeout. It
 * serves nothing else: no client endpoint, no static file (404).
 *
 * <p>Its connections are not counted against the client budget ({@code limits.maxConnections}
 * and the per-address connection limits), so probes and scrapes are answered while clients fill
 * the node; connections that have not sent a request head are still bounded per address
 * ({@code limits.maxHandshakesPerAddress}) and closed after {@code server.headerTimeoutMs}.
 */
public final class ManagementServerVerticle extends VerticleBase {

  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final Health health;
  private final Publisher publisher;
  private final RevocationStore revocations;
  private final dev.gateway.user.Users users;
  private HttpServer server;

  public ManagementServerVerticle(GatewayConfig config, GatewayMetrics metrics, Health health,
                                  Publisher publisher, RevocationStore revocations,
                                  dev.gateway.user.Users users) {
    this.users = users;
    this.config = config;
    this.metrics = metrics;
    this.health = health;
    this.publisher = publisher;
    this.revocations = revocations;
  }

  @Override
  public Future<?> start() {
    ConnectionSlots slots = new ConnectionSlots(Integer.MAX_VALUE, Integer.MAX_VALUE,
        config.limits().maxHandshakesPerAddress());
    HandshakeGate gate = new HandshakeGate(config, slots, health, metrics);
    HttpGuard guard = new HttpGuard(vertx, slots, gate, metrics, config.server().headerTimeoutMs());
    Router router = Router.router(vertx);
    ManagementRoutes.mount(router, vertx, config, metrics, health, publisher, gate::originAcceptable,
        revocations, users);
    GatewayConfig.Server s = config.server();
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.management().effectiveHost(s))
        .setPort(config.management().portNumber())
        .setIdleTimeout((int) s.idleTimeoutMs())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setHttp2ClearTextEnabled(false) // as the main server: no connection escapes the header timeout
        .setStrictThreadMode(true));
    server.connectionHandler(guard::connected);
    server.requestHandler(req -> {
      guard.headArrived(req.connection());
      HandshakeGate.securityHeaders(req.response());
      router.handle(req);
    });
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
