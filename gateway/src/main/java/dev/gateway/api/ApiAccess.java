package dev.gateway.api;

import dev.gateway.auth.ClientAddress;
import dev.gateway.auth.Loopback;
import dev.gateway.config.GatewayConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Who may call the HTTP API ({@code /api/...}), the same for every endpoint. With {@code api.key}
 * set: {@code Authorization: Bearer KEY} (401 otherwise) and, from a browser, an allowed origin
 * (403 {@code origin_rejected}). Without a key: loopback clients only (403 {@code access_denied}),
 * never a browser (a request with an {@code Origin}: 403 {@code origin_rejected}) and a
 * {@code Host} that names a loopback address (403 {@code host_rejected}, against DNS rebinding).
 * Requests with a body must be {@code application/json} (415).
 */
final class ApiAccess {

  /** Why a request is refused: the HTTP status, the error code and the message. */
  record Refusal(int status, String code, String message) {
  }

  private final Predicate<HttpServerRequest> originAcceptable;
  private final byte[] apiKey;
  private final ClientAddress clientAddress;

  ApiAccess(GatewayConfig config, Predicate<HttpServerRequest> originAcceptable) {
    this.originAcceptable = originAcceptable;
    this.apiKey = config.api().key() == null ? null
        : config.api().key().getBytes(StandardCharsets.UTF_8);
    this.clientAddress = new ClientAddress(config.security().trustedProxies());
  }

  /**
   * Null when the request may go on, else the refusal (a 401 also sets
   * {@code WWW-Authenticate: Bearer} on the response).
   */
  Refusal check(RoutingContext rc, boolean withBody) {
    // browsers: a page from a foreign origin must not drive the API (it runs with the user's
    // network position, possibly loopback), and only JSON bodies are taken, which browsers
    // cannot send cross-origin without a preflight the gateway does not answer
    if (rc.request().getHeader(HttpHeaders.ORIGIN) != null && !originAcceptable.test(rc.request())) {
      return new Refusal(403, "origin_rejected", "origin not allowed");
    }
    String type = rc.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (withBody && (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json"))) {
      return new Refusal(415, "unsupported_media_type", "Content-Type must be application/json");
    }
    if (apiKey != null) {
      String auth = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
      byte[] given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
          ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
      if (!MessageDigest.isEqual(given, apiKey)) {
        rc.response().putHeader("WWW-Authenticate", "Bearer");
        return new Refusal(401, "unauthorized",
            "a valid 'Authorization: Bearer <key>' header is required");
      }
      return null;
    }
    // both the TCP peer and the client behind it: behind a local proxy every peer is loopback,
    // and a trusted proxy elsewhere (say 10.0.0.0/8) must not vouch for a "127.0.0.1" it was sent
    if (!Loopback.isLocalClient(rc.request().remoteAddress(), clientAddress.resolve(rc.request()))) {
      return new Refusal(403, "access_denied", "without an API key only loopback clients may publish");
    }
    // DNS rebinding: a page whose host name resolves to 127.0.0.1 reaches this port from the
    // user's browser, with its own name in Host and Origin, and passes the same-origin check.
    // Without a key, browsers are refused altogether and Host must name this host
    if (rc.request().getHeader(HttpHeaders.ORIGIN) != null) {
      return new Refusal(403, "origin_rejected", "without an API key the API takes no browser"
          + " requests (a request with an Origin header)");
    }
    if (!Loopback.isLoopbackHost(rc.request().getHeader(HttpHeaders.HOST))) {
      return new Refusal(403, "host_rejected", "without an API key the Host header must name a"
          + " loopback address (localhost, 127.0.0.1, [::1])");
    }
    return null;
  }
}
