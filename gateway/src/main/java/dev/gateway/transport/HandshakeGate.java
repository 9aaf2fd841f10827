package dev.gateway.transport;

import dev.gateway.config.GatewayConfig;
import dev.gateway.config.Origins;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.health.Health;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Decides, before any upgrade or per-connection state, whether a request to {@code /ws} or
 * {@code /eventbus/*} may go on: Origin allowlist (exact match; with no allowlist only the
 * gateway's own origin), WebSocket version, and the node's connection budget, reserved
 * atomically for requests that would open a connection. Refusals are plain HTTP answers (403,
 * 426, 503): no 101 is ever sent. For allowed cross-origin SockJS requests it answers CORS itself,
 * so SockJS never reflects an Origin.
 */
final class HandshakeGate {

  /** RoutingContext key: a connection slot reserved for the session this request may create. */
  static final String SLOT_KEY = "gateway.slot";

  private final Set<String> allowedOrigins;
  private final boolean anyOrigin;
  private final boolean allowMissingOrigin;
  private final ConnectionSlots slots;
  private final Predicate<String> sockJsSessionExists;
  private final SockJsOpenings openings;
  private final Health health;
  private final Set<String> receivingTransports;
  private final GatewayMetrics metrics;

  HandshakeGate(GatewayConfig config, ConnectionSlots slots,
                Predicate<String> sockJsSessionExists, SockJsOpenings openings,
                Health health, GatewayMetrics metrics) {
    this.health = health;
    this.openings = openings;
    this.receivingTransports = receivingTransports(config.sockjs().transports());
    List<String> origins = config.security().allowedOrigins();
    this.anyOrigin = origins.contains("*");
    this.allowedOrigins = origins.stream().filter(o -> !o.equals("*")).map(Origins::normalize)
        .collect(Collectors.toUnmodifiableSet());
    this.allowMissingOrigin = config.security().allowMissingOrigin();
    this.slots = slots;
    this.sockJsSessionExists = sockJsSessionExists;
    this.metrics = metrics;
  }

  /**
   * Gate for the native WebSocket endpoint. True when the request may be upgraded: a slot is
   * then reserved for it, which the caller hands to the connection or releases. False when the
   * request has been answered.
   */
  boolean admitNativeWebSocket(HttpServerRequest req) {
    if (!checkOrigin(req)) {
      return false;
    }
    String version = req.getHeader("Sec-WebSocket-Version");
    if (version != null && !version.trim().equals("13")) {
      req.response().putHeader("Sec-WebSocket-Version", "13");
      reject(req, 426, "unsupported_version", "only WebSocket version 13 (RFC 6455) is spoken");
      return false;
    }
    return reserve(req);
  }

  /** Gate for every SockJS request. */
  void sockJs(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    if (!checkOrigin(req)) {
      return;
    }
    if (req.method() != io.vertx.core.http.HttpMethod.OPTIONS && opensSockJsConnection(req.path())) {
      if (!reserve(req)) {
        return;
      }
      rc.put(SLOT_KEY, Boolean.TRUE);
      SockJsPath path = SockJsPath.parse(req.path());
      String session = path == null ? null : path.session();
      if (session != null) {
        openings.creating(rc, session);
      }
      // the request ended without creating a session: give the slot back, forget the opening
      // (deferred a turn: vertx-web ends a poll inside the open, before the socket handler runs)
      rc.addEndHandler(ar -> rc.vertx().runOnContext(v -> {
        if (rc.remove(SLOT_KEY) != null) {
          slots.release();
          openings.opened(session);
        }
      }));
    }
    if (req.method() != io.vertx.core.http.HttpMethod.OPTIONS && closesItsConnection(req.path())) {
      // vertx-web closes the TCP connection after a poll or a recycled stream without saying so:
      // a client that reuses the connection for its next request then loses it (and with it,
      // on xhr-polling, sometimes the session). Saying it makes every HTTP client open a new one.
      rc.response().headers().set(HttpHeaders.CONNECTION, "close");
    }
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    if (origin != null) {
      // allowed origin: answer CORS here so SockJS's own handler (which reflects any origin) stays out
      var headers = rc.response().headers();
      headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
      headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
      headers.add(HttpHeaders.VARY, "Origin");
      if (req.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS) != null) {
        headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type");
      }
      ((RoutingContextInternal) rc).visitHandler(RoutingContextInternal.CORS_HANDLER);
    }
    rc.next();
  }

  /** A session is being created for this request: it takes the slot the gate reserved, if any. */
  static boolean takeSlot(RoutingContext rc) {
    return rc != null && rc.remove(SLOT_KEY) != null;
  }

  private boolean reserve(HttpServerRequest req) {
    if (health.draining()) {
      req.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
      reject(req, 503, "draining", "this node is shutting down; connect to another one");
      return false;
    }
    if (slots.tryReserve()) {
      return true;
    }
    req.response().putHeader(HttpHeaders.RETRY_AFTER, "5");
    reject(req, 503, "connection_limit", "this node is at its connection limit");
    return false;
  }

  /** Whether a request's Origin is acceptable (also used by the HTTP API). */
  boolean originAcceptable(HttpServerRequest req) {
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    return origin == null ? allowMissingOrigin : originAllowed(origin, req.getHeader(HttpHeaders.HOST));
  }

  private boolean checkOrigin(HttpServerRequest req) {
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      if (allowMissingOrigin) {
        return true;
      }
      reject(req, 403, "origin_required", "an Origin header is required");
      return false;
    }
    if (originAllowed(origin, req.getHeader(HttpHeaders.HOST))) {
      return true;
    }
    reject(req, 403, "origin_rejected", "origin not allowed");
    return false;
  }

  boolean originAllowed(String origin, String host) {
    if (anyOrigin) {
      return true;
    }
    String normalized = Origins.normalize(origin);
    if (normalized == null) {
      return false; // "null", file://, malformed
    }
    if (!allowedOrigins.isEmpty()) {
      return allowedOrigins.contains(normalized);
    }
    return sameOrigin(normalized, host);
  }

  /**
   * The Origin names the host the request was sent to: same host, and the same port, where a
   * Host without a port means the default port of the Origin's scheme (TLS may end at a proxy).
   */
  static boolean sameOrigin(String normalizedOrigin, String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    URI o = URI.create(normalizedOrigin);
    URI h;
    try {
      h = URI.create("http://" + host.trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (h.getHost() == null || !h.getHost().equalsIgnoreCase(o.getHost())) {
      return false;
    }
    int originPort = o.getPort() == -1 ? Origins.defaultPort(o.getScheme()) : o.getPort();
    int hostPort = h.getPort() == -1 ? Origins.defaultPort(o.getScheme()) : h.getPort();
    return originPort == hostPort;
  }

  /**
   * True when a SockJS request would open a new connection: the raw WebSocket, or a receiving
   * request ({@code /SERVER/SESSION/TRANSPORT}) for a session that does not exist yet.
   */
  private boolean opensSockJsConnection(String path) {
    if (path.equals("/eventbus/websocket")) {
      return true; // the raw WebSocket
    }
    SockJsPath p = SockJsPath.parse(path);
    if (p == null || !receivingTransports.contains(p.transport())) {
      return false; // sends, or transports that are switched off (SockJS answers 404)
    }
    return p.transport().equals("websocket") || !sockJsSessionExists.test(p.session());
  }

  /** Receiving requests of the HTTP transports: vertx-web closes their connection when they end. */
  private boolean closesItsConnection(String path) {
    SockJsPath p = SockJsPath.parse(path);
    return p != null && !p.transport().equals("websocket") && receivingTransports.contains(p.transport());
  }

  /** URL segments of the receiving requests of the enabled SockJS transports. */
  static Set<String> receivingTransports(List<String> enabled) {
    java.util.HashSet<String> out = new java.util.HashSet<>();
    if (enabled.contains("websocket")) {
      out.add("websocket");
    }
    if (enabled.contains("xhr")) {
      out.add("xhr");
      out.add("xhr_streaming");
    }
    if (enabled.contains("eventsource")) {
      out.add("eventsource");
    }
    if (enabled.contains("htmlfile")) {
      out.add("htmlfile");
    }
    if (enabled.contains("jsonp")) {
      out.add("jsonp");
    }
    return Set.copyOf(out);
  }

  /** A request forwarded to another node opens no connection here: give its slot back. */
  void forwarded(RoutingContext rc) {
    if (rc.remove(SLOT_KEY) != null) {
      slots.release();
      SockJsPath path = SockJsPath.parse(rc.request().path());
      if (path != null) {
        openings.opened(path.session()); // the session opens on its owner, not here
      }
    }
  }

  private void reject(HttpServerRequest req, int status, String code, String message) {
    metrics.handshakeRejected(code);
    HttpServerVerticle.securityHeaders(req.response());
    req.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", code).put("message", message).encode());
  }
}
