package dev.gateway.cluster;

import dev.gateway.auth.Loopback;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.transport.SockJsPath;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * SockJS without sticky sessions. A cluster-wide map records which node owns each SockJS session
 * (written with putIfAbsent before the session is created, so it is authoritative by the time
 * the client sees the open frame). A request for a session owned by another node is forwarded
 * over the event bus to the owner, which replays it against its own HTTP server and streams the
 * response back; the client does not notice. Streams use credit-based flow control: the owner
 * pauses once {@link SockJsForwardTarget#WINDOW} bytes are unacknowledged, so a slow client on
 * this node pushes back on the session's bounded queue on the owner instead of growing memory.
 *
 * <p>One instance per server verticle (event loop); the reply consumer is per node and demuxes
 * by request id.
 */
public final class SockJsForwarding {

  /** Map of SockJS session id to owning node id. */
  static final String OWNERS_MAP = "gateway.sockjs.owners";
  /** Header marking a request the owner replays locally: never forwarded again. */
  static final String FORWARDED_HEADER = "X-Gateway-Forwarded";
  /**
   * Value of {@link #FORWARDED_HEADER} on replays, random per process. A replay comes from this
   * process over loopback, but behind a reverse proxy on the same host so does every client:
   * the peer address alone cannot tell a replay from a client that sets the header itself.
   */
  static final String REPLAY_TOKEN = UUID.randomUUID().toString();
  /** Safety TTL of ownership entries (removed explicitly when sessions close). */
  static final long OWNER_TTL_MS = 24 * 3600_000L;

  private static final Set<String> SENDING = Set.of("xhr_send", "jsonp_send");

  private final Vertx vertx;
  private final String nodeId;
  private final LocalMap<String, Object> localSessions;
  private final GatewayMetrics metrics;
  private final long idleTimeoutMs;
  private final Set<String> receiving;
  private final Consumer<RoutingContext> onForward;
  private final Map<String, Pending> pending = new HashMap<>();
  private final String replyAddress;
  private AsyncMap<String, String> owners;

  /** A forwarded request waiting for (or streaming) its response on this node. */
  private static final class Pending {
    final RoutingContext rc;
    final String owner;
    long timer = -1;
    boolean headWritten;

    Pending(RoutingContext rc, String owner) {
      this.rc = rc;
      this.owner = owner;
    }
  }

  /**
   * @param receiving URL segments of the enabled receiving transports (sessions are claimed for
   *     those only)
   * @param idleTimeoutMs a forwarded request hearing nothing from the owner this long fails
   *     (the owner answers or sends a heartbeat well within it)
   * @param onForward called with a request about to be forwarded (it opens nothing here)
   */
  public SockJsForwarding(Vertx vertx, String nodeId, LocalMap<String, Object> localSessions,
                          GatewayMetrics metrics, long idleTimeoutMs, Set<String> receiving,
                          Consumer<RoutingContext> onForward) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.localSessions = localSessions;
    this.metrics = metrics;
    this.idleTimeoutMs = idleTimeoutMs;
    this.receiving = receiving;
    this.onForward = onForward;
    this.replyAddress = SockJsForwardTarget.replyAddress(nodeId, UUID.randomUUID().toString());
  }

  /** Registers this instance's reply consumer and gets the owners map. */
  public io.vertx.core.Future<Void> start() {
    vertx.eventBus().<Object>consumer(replyAddress, this::onReply);
    return vertx.sharedData().<String, String>getAsyncMap(OWNERS_MAP).map(m -> {
      owners = m;
      return null;
    });
  }

  /** Route handler for {@code /eventbus/SERVER/SESSION/TRANSPORT}, after the body is read. */
  public void route(RoutingContext rc) {
    SockJsPath path = SockJsPath.parse(rc.request().path());
    if (path == null || rc.request().method() == HttpMethod.OPTIONS || isReplay(rc)) {
      rc.next();
      return;
    }
    String session = path.session();
    String transport = path.transport();
    if (transport.equals("websocket")) {
      // a WebSocket session is one request and never forwarded; and an upgrade must not wait
      // (Vert.x refuses to upgrade a request it has finished reading)
      rc.next();
      return;
    }
    boolean receiving = this.receiving.contains(transport);
    if ((!receiving && !SENDING.contains(transport)) || localSessions.containsKey(session)) {
      rc.next();
      return;
    }
    owners.get(session).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(503, ar.cause());
      } else if (ar.result() != null && !ar.result().equals(nodeId)) {
        forward(rc, session, ar.result());
      } else if (ar.result() != null || !receiving) {
        rc.next(); // ours (or unknown: SockJS answers 404 to a send for an unknown session)
      } else {
        claim(rc, session);
      }
    });
  }

  /** A new session: take ownership first, so other nodes can find it from the first frame on. */
  private void claim(RoutingContext rc, String session) {
    owners.putIfAbsent(session, nodeId, OWNER_TTL_MS).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(503, ar.cause());
      } else if (ar.result() == null || ar.result().equals(nodeId)) {
        // the request may end without creating the session (refused, failed): then forget it
        rc.addEndHandler(end -> {
          if (!localSessions.containsKey(session)) {
            owners.removeIfPresent(session, nodeId);
          }
        });
        rc.next();
      } else {
        forward(rc, session, ar.result());
      }
    });
  }

  /** The session ended on this node: forget its ownership. */
  public void sessionClosed(String session) {
    if (owners != null && session != null) {
      owners.removeIfPresent(session, nodeId);
    }
  }

  /** A replay by the owner of a request forwarded to it: served locally, never forwarded again. */
  private static boolean isReplay(RoutingContext rc) {
    return isReplay(rc.request().getHeader(FORWARDED_HEADER), rc.request().remoteAddress());
  }

  /**
   * The marker must carry this process's token and come from the TCP peer itself on loopback:
   * never from an address taken from X-Forwarded-For, which a client can write.
   */
  static boolean isReplay(String marker, SocketAddress peer) {
    return marker != null && Loopback.isLoopback(peer) && MessageDigest.isEqual(
        marker.getBytes(StandardCharsets.UTF_8), REPLAY_TOKEN.getBytes(StandardCharsets.UTF_8));
  }

  private void forward(RoutingContext rc, String session, String owner) {
    onForward.accept(rc);
    String id = UUID.randomUUID().toString();
    JsonObject headers = new JsonObject();
    rc.request().headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
    Buffer body = rc.body() == null || rc.body().buffer() == null ? Buffer.buffer() : rc.body().buffer();
    JsonObject request = new JsonObject().put("id", id).put("replyTo", replyAddress)
        .put("method", rc.request().method().name()).put("uri", rc.request().uri())
        .put("headers", headers).put("body", body.getBytes());
    Pending p = new Pending(rc, owner);
    pending.put(id, p);
    rc.response().closeHandler(v -> cancel(id));
    p.timer = vertx.setTimer(idleTimeoutMs, t -> idle(id));
    metrics.sockJsForwarded();
    vertx.eventBus().request(SockJsForwardTarget.address(owner), request).onFailure(err -> {
      if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
        // the owner left the cluster: forget it and let the client start over
        owners.removeIfPresent(session, owner);
      }
      fail(id, 404);
    });
  }

  private void onReply(Message<Object> msg) {
    String id = msg.headers().get("id");
    Pending p = id == null ? null : pending.get(id);
    if (p == null) {
      return;
    }
    HttpServerResponse response = p.rc.response();
    vertx.cancelTimer(p.timer);
    p.timer = vertx.setTimer(idleTimeoutMs, t -> idle(id));
    switch (msg.headers().get("kind")) {
      case "head" -> {
        JsonObject head = (JsonObject) msg.body();
        p.headWritten = true;
        response.setStatusCode(head.getInteger("status"));
        MultiMap h = response.headers();
        JsonObject owned = head.getJsonObject("headers");
        // the owner's answer wins (CORS was computed there too): never send a header twice
        owned.fieldNames().forEach(h::remove);
        owned.forEach(e -> {
          if (!HOP_BY_HOP.contains(e.getKey().toLowerCase())) {
            h.add(e.getKey(), String.valueOf(e.getValue()));
          }
        });
        response.setChunked(true);
      }
      case "data" -> {
        Buffer data = (Buffer) msg.body();
        response.write(data).onComplete(ar -> {
          if (ar.succeeded()) {
            vertx.eventBus().send(SockJsForwardTarget.address(p.owner),
                new JsonObject().put("ack", id).put("bytes", data.length()));
          } else {
            cancel(id);
          }
        });
      }
      case "end" -> {
        pending.remove(id);
        vertx.cancelTimer(p.timer);
        if (!response.ended()) {
          response.end();
        }
      }
      default -> fail(id, 502);
    }
  }

  private void fail(String id, int status) {
    Pending p = pending.remove(id);
    if (p == null) {
      return;
    }
    vertx.cancelTimer(p.timer);
    HttpServerResponse response = p.rc.response();
    if (!p.headWritten && !response.ended()) {
      response.setStatusCode(status).end();
    } else if (!response.ended()) {
      response.reset();
    }
  }

  /** Nothing from the owner for too long (it died, or the cluster split): end the request. */
  private void idle(String id) {
    Pending p = pending.get(id);
    if (p != null) {
      vertx.eventBus().send(SockJsForwardTarget.address(p.owner), new JsonObject().put("cancel", id));
      fail(id, 504);
    }
  }

  private void cancel(String id) {
    Pending p = pending.remove(id);
    if (p != null) {
      vertx.cancelTimer(p.timer);
      vertx.eventBus().send(SockJsForwardTarget.address(p.owner), new JsonObject().put("cancel", id));
    }
  }

  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive",
      "transfer-encoding", "content-length", "upgrade", "proxy-connection", "te", "trailer");

  /** Delivery options for a reply message of a forwarded request. */
  static DeliveryOptions replyOptions(String id, String kind) {
    return new DeliveryOptions().addHeader("id", id).addHeader("kind", kind);
  }
}
