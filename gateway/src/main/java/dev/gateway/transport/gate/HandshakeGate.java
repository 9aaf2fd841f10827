package dev.gateway.transport.gate;

import dev.gateway.auth.Authenticator;
import dev.gateway.auth.ClientAddress;
import dev.gateway.auth.Grant;
import dev.gateway.config.AddressRange;
import dev.gateway.config.GatewayConfig;
import dev.gateway.config.Origins;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.health.Health;
import dev.gateway.logging.LogRedaction;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Decides, before any upgrade or per-connection state exists, whether a request may open a
 * connection: Origin allowlist (exact match; with no allowlist only the gateway's own origin:
 * the scheme the client used, the Host it sent),
 * WebSocket version, draining, and the connection budget (node, per client address, handshakes in
 * flight per client address), taken as one {@link ConnectionSlots.Lease}. Refusals are plain HTTP
 * answers with a JSON body ({@code {"error":CODE,"message":...}}): 400, 403, 426, 429, 503; no
 * 101 is ever sent. It also writes the CORS headers of allowed cross-origin SockJS requests, so
 * no Origin is ever reflected unchecked. Thread-safe.
 */
public final class HandshakeGate {

  /** Set by a TLS-ending proxy: the scheme the client used. */
  public static final String FORWARDED_PROTO = "X-Forwarded-Proto";

  private final Set<String> allowedOrigins;
  private final boolean anyOrigin;
  private final boolean allowMissingOrigin;
  private final ConnectionSlots slots;
  private final ClientAddress clientAddress;
  private final Health health;
  private final GatewayMetrics metrics;

  public HandshakeGate(GatewayConfig config, ConnectionSlots slots, Health health,
                       GatewayMetrics metrics) {
    this.health = health;
    List<String> origins = config.security().allowedOrigins();
    this.anyOrigin = origins.contains("*");
    this.allowedOrigins = origins.stream().filter(o -> !o.equals("*")).map(Origins::normalize)
        .collect(Collectors.toUnmodifiableSet());
    this.allowMissingOrigin = config.security().allowMissingOrigin();
    this.slots = slots;
    this.clientAddress = new ClientAddress(config.security().trustedProxies());
    this.metrics = metrics;
  }

  /** The client behind a request (through trusted proxies), or null when unknown. */
  public InetAddress client(HttpServerRequest req) {
    return clientAddress.resolve(req);
  }

  /** Whether the TCP peer is a trusted proxy (its clients are counted once their head is read). */
  public boolean trustedPeer(InetAddress peer) {
    return peer != null && clientAddress.trusted(peer);
  }

  /** The request's Origin is acceptable; otherwise it has been answered 403. */
  public boolean checkOrigin(HttpServerRequest req) {
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      if (allowMissingOrigin) {
        return true;
      }
      reject(req, 403, "origin_required", "an Origin header is required");
      return false;
    }
    if (originAllowed(origin, req)) {
      return true;
    }
    reject(req, 403, "origin_rejected", "origin not allowed");
    return false;
  }

  /** Whether a request's Origin is acceptable (also used by the HTTP API). */
  public boolean originAcceptable(HttpServerRequest req) {
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    return origin == null ? allowMissingOrigin : originAllowed(origin, req);
  }

  /**
   * An upgrade request speaks RFC 6455 ({@code Sec-WebSocket-Version: 13}); otherwise it has been
   * answered 426 with the version the gateway speaks (no hixie-76, no drafts 7 and 8).
   */
  public boolean checkWebSocketVersion(HttpServerRequest req) {
    String version = req.getHeader("Sec-WebSocket-Version");
    if (version != null && version.trim().equals("13")) {
      return true;
    }
    req.response().putHeader("Sec-WebSocket-Version", "13");
    reject(req, 426, "unsupported_version", "only WebSocket version 13 (RFC 6455) is spoken");
    return false;
  }

  /**
   * Takes the connection budget for a handshake from this client, or answers the request (503
   * draining or at the node's limit, 429 at the client address's limits) and returns null.
   */
  public ConnectionSlots.Lease acquire(HttpServerRequest req, InetAddress client) {
    if (health.draining()) {
      req.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
      reject(req, 503, "draining", "this node is shutting down; connect to another one");
      return null;
    }
    ConnectionSlots.Lease lease = slots.tryAcquire(ClientAddress.group(client));
    if (lease.refusal() == null) {
      return lease;
    }
    if (lease.refusal() == ConnectionSlots.Refusal.CONNECTION_LIMIT) {
      req.response().putHeader(HttpHeaders.RETRY_AFTER, "5");
      reject(req, 503, "connection_limit", "this node is at its connection limit");
    } else {
      req.response().putHeader(HttpHeaders.RETRY_AFTER, "5");
      reject(req, 429, "address_limit", "too many connections or handshakes from this address");
    }
    return null;
  }

  /**
   * CORS for an allowed cross-origin SockJS request: the Origin is echoed (it passed the check)
   * with credentials; a preflight also gets the methods, the requested headers (only when some
   * were requested) and a long cache lifetime.
   */
  public void cors(HttpServerRequest req, boolean preflight, String methods) {
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    HttpServerResponse response = req.response();
    if (origin == null) {
      return;
    }
    response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
        .putHeader(HttpHeaders.VARY, "Origin");
    if (preflight) {
      response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, methods)
          .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, "31536000");
      String requested = req.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
      if (requested != null && !requested.isBlank()) {
        response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, requested);
      }
    }
  }

  private boolean originAllowed(String origin, HttpServerRequest req) {
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
    return sameOrigin(normalized, scheme(req), req.getHeader(HttpHeaders.HOST));
  }

  /**
   * The scheme the client used: {@code https} when the connection itself is TLS, otherwise what
   * the TCP peer says in {@code X-Forwarded-Proto} when it is a trusted proxy (its last entry:
   * what the nearest proxy set or appended), otherwise {@code http}. A value other than
   * {@code http} or {@code https} is not believed.
   */
  String scheme(HttpServerRequest req) {
    if (req.isSSL()) {
      return "https";
    }
    InetAddress peer = req.remoteAddress() == null ? null
        : AddressRange.literal(req.remoteAddress().hostAddress());
    List<String> forwarded = req.headers().getAll(FORWARDED_PROTO);
    if (peer == null || !clientAddress.trusted(peer) || forwarded.isEmpty()) {
      return "http";
    }
    String[] entries = forwarded.get(forwarded.size() - 1).split(",", -1);
    String proto = entries[entries.length - 1].trim().toLowerCase(Locale.ROOT);
    return proto.equals("https") ? "https" : "http";
  }

  /**
   * The Origin names the scheme, host and port the request was sent to: the scheme the client
   * used ({@link #scheme}), the same host, and the same port, where a Host without a port means
   * the default port of that scheme.
   */
  static boolean sameOrigin(String normalizedOrigin, String scheme, String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    URI o = URI.create(normalizedOrigin);
    if (!o.getScheme().equals(scheme)) {
      return false;
    }
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
    int hostPort = h.getPort() == -1 ? Origins.defaultPort(scheme) : h.getPort();
    return originPort == hostPort;
  }

  /** Nothing the gateway serves may be framed, except SockJS's iframe page when enabled. */
  public static void securityHeaders(HttpServerResponse response) {
    response.putHeader("X-Frame-Options", "DENY")
        .putHeader("Content-Security-Policy", "frame-ancestors 'none'")
        .putHeader("X-Content-Type-Options", "nosniff");
  }

  /** Refuses a request before any upgrade: a JSON error body, counted by reason. */
  public void reject(HttpServerRequest req, int status, String code, String message) {
    metrics.handshakeRejected(code);
    securityHeaders(req.response());
    req.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(new JsonObject().put("error", code).put("message", message).encode());
  }

  /**
   * The token step of the transports that take their token with the request ({@code /ws},
   * {@code /sse}), once the request holds {@code lease}: with no token (or authentication off) it
   * opens anonymously, unless a token is required (401 {@code missing_token}, naming where a token
   * may be given: {@code where}); otherwise it verifies the token and opens with its grant, or
   * answers 401 {@code invalid_token}. Each step is {@link #guarded}.
   */
  public void admit(HttpServerRequest req, ConnectionSlots.Lease lease, Authenticator authenticator,
                    Supplier<String> token, String where, String failure,
                    BiConsumer<String, Grant> open) {
    guarded(req, lease, failure, () -> {
      HandshakeSteps.reached(HandshakeSteps.ADMITTED);
      String t = token.get();
      if (t == null || !authenticator.enabled()) {
        if (authenticator.required()) {
          unauthorized(req, lease, "missing_token", "a token is required (" + where + ")");
          return;
        }
        open.accept(null, null);
        return;
      }
      HandshakeSteps.reached(HandshakeSteps.VERIFYING);
      authenticator.verify(t).onComplete(ar -> guarded(req, lease, failure, () -> {
        HandshakeSteps.reached(HandshakeSteps.VERIFIED);
        if (ar.failed()) {
          // the verifier's reason, never the token (whatever a library puts in its messages)
          unauthorized(req, lease, "invalid_token",
              "token rejected: " + LogRedaction.redact(ar.cause().getMessage()));
        } else {
          open.accept(t, ar.result());
        }
      }));
    });
  }

  /**
   * Runs a step of a request that holds {@code lease}; if it throws, the lease is released and the
   * client answered 500 with {@code failure} (or, once the answer has started, its connection
   * closed).
   */
  public void guarded(HttpServerRequest req, ConnectionSlots.Lease lease, String failure,
                      Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      lease.release();
      if (!req.response().ended() && !req.response().headWritten()) {
        reject(req, 500, "internal_error", failure);
      } else {
        req.connection().close();
      }
    }
  }

  /** Refuses a request without a valid token: releases its lease, 401 with a JSON error, counted. */
  public void unauthorized(HttpServerRequest req, ConnectionSlots.Lease lease, String reason,
                           String message) {
    lease.release();
    metrics.authFailure(reason);
    if (req.response().ended()) {
      return;
    }
    metrics.handshakeRejected("unauthorized");
    securityHeaders(req.response());
    req.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(new JsonObject().put("error", reason).put("message", message).encode());
  }
}
