package dev.gateway.transport.sockjs;

import dev.gateway.transport.io.Flusher;
import dev.gateway.auth.Authenticator;
import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.LoopConnections;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.transport.gate.HandshakeGate;
import dev.gateway.transport.gate.QueryString;
import dev.gateway.transport.ws.WebSocketTransport;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The gateway's SockJS 0.3.3 server, as sockjs-client 1.6 speaks it, at one prefix
 * ({@code /eventbus}). One instance per server verticle (event loop); sessions are shared by all
 * of them. Every request under the prefix comes here straight from the HTTP server, is parsed
 * once ({@link SockJsRequest}) and goes through the handshake gate (Origin) before anything
 * else; what is not a SockJS path is 404.
 *
 * <p>Served: the greeting, {@code /info}, the iframe page (when enabled), the raw WebSocket, and
 * per session the websocket, xhr-streaming, xhr-polling, eventsource, htmlfile and jsonp
 * transports that are enabled ({@code sockjs.transports}), with {@code xhr_send} (and
 * {@code jsonp_send}) for what clients send.
 */
public final class SockJsServer {

  /** Where the gateway serves sockjs-client (the iframe page loads it from there). */
  public static final String LIBRARY_PATH = "/lib/sockjs.min.js";

  static final String NO_CACHE = "no-store, no-cache, no-transform, must-revalidate, max-age=0";
  private static final String ONE_YEAR = "31536000";
  private static final SecureRandom ENTROPY = new SecureRandom();

  private final String prefix;
  private final GatewayConfig config;
  private final HandshakeGate gate;
  private final Set<String> transports;
  private final SockJsHttp http;
  private final SockJsWebSockets webSockets;
  private final String iframePage;
  private final String iframeEtag;

  public SockJsServer(String prefix, GatewayConfig config, HandshakeGate gate,
                      LoopConnections loop, FanoutShard shard, ProtocolHandler protocol,
                      Authenticator authenticator, GatewayMetrics metrics,
                      SockJsNode node, Flusher flusher) {
    this.prefix = prefix;
    this.config = config;
    this.gate = gate;
    this.transports = Set.copyOf(config.sockjs().transports());
    this.http = new SockJsHttp(config, gate, loop, shard, protocol, authenticator, metrics, node,
        flusher);
    this.webSockets = new SockJsWebSockets(config, gate, loop, shard, protocol, authenticator,
        flusher);
    this.iframePage = IFRAME_PAGE.formatted(LIBRARY_PATH);
    this.iframeEtag = etag(iframePage);
  }

  /** Handles a request whose raw path is under the prefix; answers false when it is not. */
  public boolean handle(HttpServerRequest req) {
    SockJsRequest r = SockJsRequest.parse(prefix, req.path());
    if (r == null) {
      return false;
    }
    QueryString query = QueryString.parse(req.query());
    if (query == null) {
      gate.reject(req, 400, "bad_request", "malformed query string");
      return true;
    }
    if (!gate.checkOrigin(req)) {
      return true;
    }
    switch (r.kind()) {
      case GREETING -> greeting(req);
      case INFO -> info(req);
      case IFRAME -> iframe(req);
      case RAW_WEBSOCKET -> {
        if (transports.contains("websocket")) {
          webSockets.raw(req);
        } else {
          notFound(req);
        }
      }
      case SESSION -> session(req, r, query);
      case NOT_FOUND -> notFound(req);
    }
    return true;
  }

  private void session(HttpServerRequest req, SockJsRequest r, QueryString query) {
    Framing framing = switch (r.transport()) {
      case XHR -> enabled("xhr") ? Framing.XHR_POLLING : null;
      case XHR_STREAMING -> enabled("xhr") ? Framing.XHR_STREAMING : null;
      case EVENTSOURCE -> enabled("eventsource") ? Framing.EVENTSOURCE : null;
      case HTMLFILE -> enabled("htmlfile") ? Framing.HTMLFILE : null;
      case JSONP -> enabled("jsonp") ? Framing.JSONP : null;
      default -> null;
    };
    switch (r.transport()) {
      case WEBSOCKET -> {
        if (enabled("websocket")) {
          webSockets.session(req);
        } else {
          notFound(req);
        }
      }
      case XHR_SEND -> {
        if (enabled("xhr") || enabled("eventsource") || enabled("htmlfile")) {
          http.send(req, r.session(), false);
        } else {
          notFound(req);
        }
      }
      case JSONP_SEND -> {
        if (enabled("jsonp")) {
          http.send(req, r.session(), true);
        } else {
          notFound(req);
        }
      }
      default -> {
        if (framing == null) {
          notFound(req);
        } else {
          http.receive(req, r.session(), framing, query);
        }
      }
    }
  }

  private boolean enabled(String transport) {
    return transports.contains(transport);
  }

  private void greeting(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      notFound(req);
      return;
    }
    req.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8")
        .end("Welcome to SockJS!\n");
  }

  private void info(HttpServerRequest req) {
    if (req.method() == HttpMethod.OPTIONS) {
      preflight(req, "OPTIONS, GET");
      return;
    }
    if (req.method() != HttpMethod.GET) {
      notFound(req);
      return;
    }
    gate.cors(req, false, null);
    JsonObject info = new JsonObject()
        .put("websocket", enabled("websocket"))
        .put("origins", new JsonArray(List.of("*:*")))
        .put("cookie_needed", false)
        .put("entropy", ENTROPY.nextInt() & 0xFFFFFFFFL);
    req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=UTF-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE)
        .end(info.encode());
  }

  private void iframe(HttpServerRequest req) {
    if (!config.sockjs().iframe() || req.method() != HttpMethod.GET) {
      notFound(req);
      return;
    }
    HttpServerResponse response = req.response();
    // the page exists to be framed by the client's page: by our own origin and allowed ones
    List<String> origins = config.security().allowedOrigins();
    String ancestors = origins.contains("*") ? "*" : String.join(" ",
        java.util.stream.Stream.concat(java.util.stream.Stream.of("'self'"), origins.stream()).toList());
    response.headers().remove("X-Frame-Options");
    response.putHeader("Content-Security-Policy", "frame-ancestors " + ancestors)
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=" + ONE_YEAR)
        .putHeader(HttpHeaders.EXPIRES, oneYearFromNow())
        .putHeader(HttpHeaders.ETAG, iframeEtag);
    if (iframeEtag.equals(req.getHeader(HttpHeaders.IF_NONE_MATCH))) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=UTF-8").end(iframePage);
  }

  /** A CORS preflight: 204, cacheable for a year. */
  static void preflight(HttpServerRequest req, HandshakeGate gate, String methods) {
    gate.cors(req, true, methods);
    req.response().setStatusCode(204)
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=" + ONE_YEAR)
        .putHeader(HttpHeaders.EXPIRES, oneYearFromNow())
        .putHeader(HttpHeaders.ALLOW, methods)
        .end();
  }

  private void preflight(HttpServerRequest req, String methods) {
    preflight(req, gate, methods);
  }

  static void notFound(HttpServerRequest req) {
    req.response().setStatusCode(404).end();
  }

  private static String oneYearFromNow() {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC)
        .plusYears(1));
  }

  private static String etag(String content) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(content.getBytes(StandardCharsets.UTF_8));
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final String IFRAME_PAGE = """
      <!DOCTYPE html>
      <html>
      <head>
        <meta http-equiv="X-UA-Compatible" content="IE=edge" />
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
        <script src="%s"></script>
        <script>
          document.domain = document.domain;
          SockJS.bootstrap_iframe();
        </script>
      </head>
      <body>
        <h2>Don't panic!</h2>
        <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
      </body>
      </html>""";
}
