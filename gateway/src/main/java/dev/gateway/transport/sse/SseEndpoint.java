package dev.gateway.transport.sse;

import dev.gateway.auth.Authenticator;
import dev.gateway.auth.Grant;
import dev.gateway.channel.FanoutShard;
import dev.gateway.channel.Publisher;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.LoopConnections;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.ProtocolCodec;
import dev.gateway.transport.gate.HandshakeGate;
import dev.gateway.transport.gate.HandshakeSteps;
import dev.gateway.transport.gate.QueryString;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /sse?channel=A&channel=B}: Server-Sent Events, for clients that have only
 * {@code EventSource}. Decides in this order, before any per-connection state exists: method
 * (405), query (400), Origin (403; CORS headers for an allowed cross-origin request), channels
 * (400 {@code missing_channel}), the cursor of {@code Last-Event-ID} or the {@code lastEventId}
 * parameter (400 {@code invalid_cursor}; a terminal one is answered 204, which stops an
 * EventSource), the cursor bound (400 {@code cursor_too_large}), the connection budget (503,
 * 429), the token (401). Then a {@link Connection} exists and registers to every channel through
 * {@link ProtocolHandler#handleOnBehalf}, the path of a client's own {@code register}
 * (permissions, channel limit, positions and recovery); {@link SseStream} answers the request
 * once every register is answered.
 *
 * <p>The token is the first of: {@code Authorization: Bearer}, the cookie named by
 * {@code sse.tokenCookie}, the {@code token} query parameter. It is never logged nor echoed.
 */
public final class SseEndpoint {

  public static final String PATH = "/sse";

  /** What a stream needs of the node's settings. */
  record Settings(long retryMs, long heartbeatMs, int maxCursorBytes,
                  java.util.function.Predicate<String> keepsHistory, GatewayMetrics metrics) {
  }

  private final LoopConnections loop;
  private final FanoutShard shard;
  private final ProtocolHandler protocol;
  private final Authenticator authenticator;
  private final HandshakeGate gate;
  private final GatewayMetrics metrics;
  private final Publisher publisher;
  private final GatewayConfig.Limits limits;
  private final GatewayConfig.Sse sse;
  private final Settings settings;
  private final long headerTimeoutMs;

  public SseEndpoint(LoopConnections loop, FanoutShard shard, ProtocolHandler protocol,
                     Authenticator authenticator, HandshakeGate gate, GatewayMetrics metrics,
                     Publisher publisher, GatewayConfig config) {
    this.loop = loop;
    this.shard = shard;
    this.protocol = protocol;
    this.authenticator = authenticator;
    this.gate = gate;
    this.metrics = metrics;
    this.publisher = publisher;
    this.limits = config.limits();
    this.sse = config.sse();
    this.settings = new Settings(sse.retryMs(), sse.heartbeatMs(), sse.maxCursorBytes(),
        publisher::keepsHistory, metrics);
    this.headerTimeoutMs = config.server().headerTimeoutMs();
  }

  /** Handles a request for {@link #PATH}, straight from the HTTP server. */
  public void handle(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET) {
      req.response().putHeader(HttpHeaders.ALLOW, "GET");
      gate.reject(req, 405, "method_not_allowed", "GET only");
      return;
    }
    QueryString query = QueryString.parse(req.query());
    if (query == null) {
      gate.reject(req, 400, "bad_request", "malformed query string");
      return;
    }
    if (!gate.checkOrigin(req)) {
      return;
    }
    gate.cors(req, false, null);
    List<String> channels = new ArrayList<>(new LinkedHashSet<>(query.all("channel")));
    if (channels.isEmpty()) {
      gate.reject(req, 400, "missing_channel", "name at least one channel: /sse?channel=NAME");
      return;
    }
    SseCursor cursor = null;
    String lastEventId = req.getHeader("Last-Event-ID");
    if (lastEventId == null || lastEventId.isEmpty()) {
      lastEventId = query.get("lastEventId");
    }
    if (lastEventId != null && !lastEventId.isEmpty()) {
      try {
        cursor = SseCursor.decode(lastEventId, sse.maxCursorBytes());
      } catch (SseCursor.Invalid e) {
        metrics.sseRequest("invalid_cursor");
        gate.reject(req, 400, "invalid_cursor", e.getMessage());
        return;
      }
      if (cursor.terminal()) {
        // the stream ended with a terminal close: 204 is the one answer that stops an EventSource
        metrics.sseRequest("stopped");
        req.response().setStatusCode(204).putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end();
        return;
      }
    }
    List<String> history = channels.stream().filter(publisher::keepsHistory).toList();
    if (SseCursor.worstCaseLength(history) > sse.maxCursorBytes()) {
      gate.reject(req, 400, "cursor_too_large", "the cursor of these channels could exceed "
          + sse.maxCursorBytes() + " characters (sse.maxCursorBytes): fewer or shorter channels");
      return;
    }
    ConnectionSlots.Lease lease = gate.acquire(req, gate.client(req));
    if (lease == null) {
      return;
    }
    lease.expireAfter(loop.context().owner(), headerTimeoutMs, () -> req.connection().close());
    SseCursor from = cursor;
    gate.admit(req, lease, authenticator, () -> token(req, query),
        "Authorization: Bearer, the token cookie, or the token query parameter",
        "the request failed", (token, grant) -> open(req, lease, channels, from, token, grant));
  }

  private void open(HttpServerRequest req, ConnectionSlots.Lease lease, List<String> channels,
                    SseCursor cursor, String token, Grant grant) {
    if (req.response().closed() || !lease.handshaking()) {
      lease.release(); // the client left (or the deadline passed) during the token check
      return;
    }
    List<String> claimed = grant == null ? List.of() : grant.channels().stream()
        .filter(ch -> !channels.contains(ch)).toList();
    if (!claimed.isEmpty() && SseCursor.worstCaseLength(historyOf(channels, claimed))
        > sse.maxCursorBytes()) {
      lease.release();
      gate.reject(req, 400, "cursor_too_large", "with the token's channels claim, the cursor could"
          + " exceed " + sse.maxCursorBytes() + " characters (sse.maxCursorBytes)");
      return;
    }
    metrics.sseRequest(cursor == null ? "fresh" : "resumed");
    SseStream stream = new SseStream(req, settings, channels, cursor);
    Connection c = new Connection(stream, loop, shard, limits, lease);
    stream.attach(c);
    try {
      HandshakeSteps.reached(HandshakeSteps.OPENED);
      if (grant != null) {
        c.authenticated(token, grant);
      }
      for (int i = 0; i < channels.size() && !c.isClosed(); i++) {
        protocol.handleOnBehalf(c, register(i, channels.get(i), cursor));
      }
      if (grant != null && !c.isClosed()) {
        // then the token's channels claim, server-side (after the URL's: a channel named in both
        // recovers through its register), from the cursor's positions of the other channels
        protocol.claimed(c, claimedPositions(cursor, claimed));
      }
    } catch (RuntimeException e) {
      c.close(CloseReason.INTERNAL_ERROR); // the connection releases the lease
    }
  }

  /** The URL's channels and the claimed ones that keep history (what the cursor may hold). */
  private List<String> historyOf(List<String> channels, List<String> claimed) {
    List<String> all = new ArrayList<>(channels);
    all.addAll(claimed);
    return all.stream().filter(publisher::keepsHistory).toList();
  }

  /** The cursor's positions of the claimed channels, as connect positions (null: none). */
  private static Map<String, StreamPosition> claimedPositions(SseCursor cursor,
                                                              List<String> claimed) {
    if (cursor == null) {
      return null;
    }
    Map<String, StreamPosition> positions = new HashMap<>();
    for (String channel : claimed) {
      SseCursor.Position p = cursor.positions().get(channel);
      if (p != null) {
        positions.put(channel, new StreamPosition(p.offset(), p.epoch()));
      }
    }
    return positions;
  }

  /** The register a client would send: ack id = the channel's index, with its cursor position. */
  private static String register(int index, String channel, SseCursor cursor) {
    JsonObject r = new JsonObject().put("type", "register").put("address", channel)
        .put("ack", Integer.toString(index));
    SseCursor.Position p = cursor == null ? null : cursor.positions().get(channel);
    if (p != null) {
      r.put("headers", new JsonObject().put(ProtocolCodec.SINCE_HEADER, Long.toString(p.offset()))
          .put(ProtocolCodec.EPOCH_HEADER, p.epoch()));
    }
    return r.encode();
  }

  private String token(HttpServerRequest req, QueryString query) {
    String auth = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7).trim();
    }
    if (sse.tokenCookie() != null) {
      Cookie cookie = req.getCookie(sse.tokenCookie());
      if (cookie != null && !cookie.getValue().isEmpty()) {
        return cookie.getValue();
      }
    }
    return query.get("token");
  }

  /** The HTTP status of a stream whose register was refused with this error code. */
  static int statusOf(String error) {
    return switch (error == null ? "" : error) {
      case "access_denied" -> 403;
      case "registration_failed", "too_many_pending" -> 503;
      default -> 400;
    };
  }

  /** What a refused stream's connection is counted as closed for. */
  static CloseReason closeReasonOf(String error) {
    return switch (error == null ? "" : error) {
      case "access_denied" -> CloseReason.UNAUTHORIZED;
      case "registration_failed", "too_many_pending" -> CloseReason.INTERNAL_ERROR;
      default -> CloseReason.PROTOCOL_ERROR;
    };
  }
}
