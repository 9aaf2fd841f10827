package dev.gateway.transport;

import dev.gateway.api.PublishApi;
import dev.gateway.api.UsersApi;
import dev.gateway.user.Users;
import dev.gateway.auth.RevocationStore;
import dev.gateway.channel.Publisher;
import dev.gateway.config.GatewayConfig;
import dev.gateway.health.Health;
import dev.gateway.metrics.GatewayMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.Predicate;

/**
 * The management endpoints: {@code /health/live}, {@code /health/ready}, {@code /metrics} and the
 * HTTP API under {@code /api/}. With {@code management.port} unset they are mounted on the main
 * server's router; with it set they are mounted on the management server only
 * ({@link ManagementServerVerticle}) and the main router answers 404 for every path
 * {@link #owns} names, whatever else is mounted there. Every endpoint of this kind, a new
 * {@code /api/...} route included, belongs here and nowhere else, so that it follows the setting.
 */
final class ManagementRoutes {

  private ManagementRoutes() {
  }

  /** Whether a path (as the router matches it: normalised) is a management endpoint's. */
  static boolean owns(String path) {
    return under(path, "/metrics") || under(path, "/health") || under(path, "/api");
  }

  private static boolean under(String path, String prefix) {
    return path.equals(prefix) || path.startsWith(prefix + "/");
  }

  /** Mounts health, metrics and the HTTP API on the router. */
  static void mount(Router router, Vertx vertx, GatewayConfig config, GatewayMetrics metrics,
                    Health health, Publisher publisher, Predicate<HttpServerRequest> originAcceptable,
                    RevocationStore revocations, Users users) {
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
    PublishApi api = new PublishApi(vertx.eventBus(), publisher, config, metrics, originAcceptable);
    router.post("/api/publish")
        .handler(BodyHandler.create(false).setBodyLimit(config.limits().maxMessageBytes()))
        .handler(api::handle)
        .failureHandler(api::failure);
    router.get("/api/history").handler(api::history);
    router.post("/api/revoke")
        .handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(rc -> api.revoke(rc, revocations))
        .failureHandler(api::failure);
    UsersApi usersApi = new UsersApi(users, config, metrics, originAcceptable);
    router.post("/api/users/publish")
        .handler(BodyHandler.create(false).setBodyLimit(config.limits().maxMessageBytes()))
        .handler(usersApi::publish)
        .failureHandler(rc -> usersApi.failure(rc, "publish"));
    for (String endpoint : new String[] {"disconnect", "subscribe", "unsubscribe"}) {
      router.post("/api/users/" + endpoint)
          .handler(BodyHandler.create(false).setBodyLimit(USERS_BODY_LIMIT))
          .handler(switch (endpoint) {
            case "disconnect" -> usersApi::disconnect;
            case "subscribe" -> usersApi::subscribe;
            default -> usersApi::unsubscribe;
          })
          .failureHandler(rc -> usersApi.failure(rc, endpoint));
    }
    router.get("/api/users/connections").handler(usersApi::connections);
  }

  /** Body limit of the users API calls other than publish (a user, an address, a reason). */
  static final int USERS_BODY_LIMIT = 8 * 1024;

  /**
   * For the main router when the management server runs: the first route, answering 404 for
   * every management path, so none of them is ever served on the public port.
   */
  static void refuse(Router router) {
    router.route().handler(rc -> {
      if (owns(rc.normalizedPath())) {
        json(rc, 404, "{\"error\":\"not_found\",\"message\":\"no such resource\"}");
      } else {
        rc.next();
      }
    });
  }

  static void json(RoutingContext rc, int status, String body) {
    rc.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }
}
