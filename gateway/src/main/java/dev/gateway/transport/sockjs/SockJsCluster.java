package dev.gateway.transport.sockjs;

import dev.gateway.cluster.ClusterSeal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import dev.gateway.config.AddressRange;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * SockJS without sticky sessions, the owner's side. A cluster-wide map records which node owns
 * each HTTP-transport session, written with {@code putIfAbsent} before the session opens, so a
 * session id lives on one node only and every node can find it from the first frame on. A node
 * that receives a request for a session another node owns forwards it ({@link SockJsForwarder});
 * here the owner serves it: a forwarded send goes to the session's connection, a forwarded
 * receiving request attaches to the session as a {@link RemoteReceiver}. The owner checks the
 * client address the forwarding node resolved, as for its own requests. Internal addresses
 * ({@code gateway.internal.}) are never reachable by clients.
 *
 * <p>What crosses the cluster is authenticated with the cluster secret ({@link ClusterSeal}):
 * every forwarding message, both ways, is sealed for its destination address and dropped
 * (counted) unless it opens; replies open only for their request. The ownership map holds a
 * keyed hash of each session id, never the id, and each owner with a MAC: an entry that does not
 * verify is treated as no owner.
 */
public final class SockJsCluster {

  static final String OWNERS_MAP = "gateway.sockjs.owners";
  /** Safety TTL of ownership entries (removed explicitly when sessions are forgotten). */
  static final long OWNER_TTL_MS = 24 * 3600_000L;

  private final Vertx vertx;
  private final String nodeId;
  private final SockJsSessions sessions;
  private final long stallTimeoutNanos;
  private final ClusterSeal seal;
  private final Map<String, RemoteReceiver> remotes = new ConcurrentHashMap<>();
  /** Keyed hash of a session id to its owner's node id, signed ({@link ClusterSeal#signValue}). */
  private AsyncMap<String, String> owners;

  /**
   * @param stallTimeoutMs a forwarding node that acknowledges nothing for this long while bytes
   *     wait is taken for gone
   */
  SockJsCluster(Vertx vertx, String nodeId, SockJsSessions sessions, long stallTimeoutMs,
                ClusterSeal seal) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.sessions = sessions;
    this.seal = seal;
    this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMs);
  }

  /** Event-bus address of a node's SockJS owner side. */
  static String address(String nodeId) {
    return "gateway.internal.sockjs." + nodeId;
  }

  String nodeId() {
    return nodeId;
  }

  ClusterSeal seal() {
    return seal;
  }

  /** Gets the ownership map and registers this node's owner side (on the calling context). */
  Future<Void> start() {
    sessions.onForgotten(id -> {
      if (owners != null) {
        unclaim(id);
      }
    });
    vertx.setPeriodic(1_000, t -> checkStalled());
    return vertx.sharedData().<String, String>getAsyncMap(OWNERS_MAP).compose(m -> {
      owners = m;
      return vertx.eventBus().<Object>consumer(address(nodeId), this::onMessage).completion();
    });
  }

  /** The node that owns a session id, or null (also when its entry does not verify). */
  Future<String> owner(String id) {
    String key = key(id);
    return owners.get(key).map(v -> v == null ? null : seal.verifyValue(OWNERS_MAP, key, v));
  }

  /** Claims a session id for this node; the future says who owns it then (this node, or another). */
  Future<String> claim(String id) {
    String key = key(id);
    String mine = signed(key, nodeId);
    return owners.putIfAbsent(key, mine, OWNER_TTL_MS).compose(existing -> {
      if (existing == null) {
        return Future.succeededFuture(nodeId);
      }
      String owner = seal.verifyValue(OWNERS_MAP, key, existing);
      if (owner != null) {
        return Future.succeededFuture(owner);
      }
      // an entry no node wrote: drop it and claim once more
      return owners.removeIfPresent(key, existing)
          .compose(removed -> owners.putIfAbsent(key, mine, OWNER_TTL_MS))
          .compose(again -> again == null ? Future.succeededFuture(nodeId)
              : Future.failedFuture("the ownership entry of a session does not verify"));
    });
  }

  /** Forgets a claim that did not become a session (refused, failed). */
  void unclaim(String id) {
    forgetOwner(id, nodeId);
  }

  /** Forgets that another node owns the id (it left the cluster). */
  void forgetOwner(String id, String owner) {
    String key = key(id);
    owners.removeIfPresent(key, signed(key, owner));
  }

  /** What the ownership map holds for a session id: its keyed hash. */
  private String key(String id) {
    return seal.keyedHash("sockjs-session", id);
  }

  private String signed(String key, String owner) {
    return seal.signValue(OWNERS_MAP, key, owner);
  }

  private void onMessage(Message<Object> msg) {
    Buffer payload = seal.open(address(nodeId), msg.body());
    if (payload == null) {
      return; // not from a node of this cluster (counted): no answer at all
    }
    JsonObject m;
    try {
      m = new JsonObject(payload);
    } catch (DecodeException e) {
      return;
    }
    Buffer request = (Buffer) msg.body();
    switch (m.getString("op", "")) {
      case "check" -> msg.reply(seal.sealReply(request, Buffer.buffer(check(m))));
      case "attach" -> attach(m);
      case "send" -> send(msg, request, m);
      case "ack" -> onStream(m.getString("stream"), r -> r.acknowledged(m.getLong("bytes", 0L)));
      case "gone" -> {
        RemoteReceiver r = remotes.remove(m.getString("stream", ""));
        SockJsSession s = r == null ? null : sessions.get(m.getString("id", ""));
        if (s != null) {
          s.context().runOnContext(v -> {
            r.releaseAll();
            s.receiverGone(r);
          });
        }
      }
      default -> msg.fail(400, "unknown operation");
    }
  }

  /** "ok", "missing" (no such session here) or "foreign" (another client address owns it). */
  private String check(JsonObject m) {
    SockJsSession s = sessions.get(m.getString("id", ""));
    if (s == null) {
      return "missing";
    }
    return java.util.Objects.equals(s.owner(), clientOf(m)) ? "ok" : "foreign";
  }

  private void attach(JsonObject m) {
    SockJsSession s = sessions.get(m.getString("id", ""));
    Framing framing;
    try {
      framing = Framing.valueOf(m.getString("framing", ""));
    } catch (IllegalArgumentException e) {
      return;
    }
    String stream = m.getString("stream", "");
    String replyTo = m.getString("replyTo", "");
    if (s == null || !"ok".equals(check(m))) {
      // it went away (or changed hands) since the check: the forwarder ends its request
      vertx.eventBus().send(replyTo, RemoteReceiver.frame(seal, replyTo, RemoteReceiver.RESET,
          stream, null));
      return;
    }
    RemoteReceiver r = new RemoteReceiver(s, stream, replyTo, framing, m.getString("callback"),
        seal);
    remotes.put(stream, r);
    r.onForget(() -> remotes.remove(stream, r));
    s.context().runOnContext(v -> s.attach(r));
  }

  private void send(Message<Object> msg, Buffer request, JsonObject m) {
    String verdict = check(m);
    if (!verdict.equals("ok")) {
      msg.reply(seal.sealReply(request, Buffer.buffer(verdict)));
      return;
    }
    SockJsSession s = sessions.get(m.getString("id"));
    s.context().runOnContext(v -> {
      String error = s.deliver(m.getString("payload"));
      msg.reply(seal.sealReply(request, Buffer.buffer(error == null ? "ok" : error)));
    });
  }

  private void onStream(String stream, java.util.function.Consumer<RemoteReceiver> action) {
    RemoteReceiver r = stream == null ? null : remotes.get(stream);
    if (r != null) {
      r.context().runOnContext(v -> action.accept(r));
    }
  }

  /** Forwarding nodes that stopped acknowledging: their receivers are gone. */
  private void checkStalled() {
    long now = System.nanoTime();
    remotes.forEach((stream, r) -> r.context().runOnContext(v -> {
      if (r.stalled(now, stallTimeoutNanos) && remotes.remove(stream, r)) {
        r.releaseAll();
        r.session().receiverGone(r);
      }
    }));
  }

  /** The client address the forwarding node resolved (an IP literal, or absent when unknown). */
  private static InetAddress clientOf(JsonObject m) {
    String literal = m.getString("client");
    return literal == null ? null : AddressRange.literal(literal);
  }
}
