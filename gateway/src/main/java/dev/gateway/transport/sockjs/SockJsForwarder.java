package dev.gateway.transport.sockjs;

import dev.gateway.cluster.ClusterSeal;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * SockJS without sticky sessions, the forwarding side: a request that reaches this node for a
 * session another node owns is served here as if it were local, with the frames coming from the
 * owner over the event bus ({@link SockJsCluster}). Headers, CORS and the framing of the
 * response are this node's own. Bytes are acknowledged to the owner once written to the client,
 * which is what paces the owner. One instance per server verticle, confined to its event loop.
 * Everything it sends is sealed with the cluster secret for its destination, and everything it
 * takes (frames, replies) only once it opens ({@link ClusterSeal}); anything else is dropped.
 */
final class SockJsForwarder {

  private final Vertx vertx;
  private final Context context;
  private final SockJsCluster cluster;
  private final ClusterSeal seal;
  private final GatewayMetrics metrics;
  private final long idleTimeoutMs;
  private final String replyAddress;
  private final Map<String, Forwarded> streams = new HashMap<>();

  /** A receiving request of this node fed by the owner. */
  private final class Forwarded {
    final String stream;
    final String owner;
    final String session;
    final HttpReceiver receiver;
    long written;
    long timer = -1;

    Forwarded(String stream, String owner, String session, HttpReceiver receiver) {
      this.stream = stream;
      this.owner = owner;
      this.session = session;
      this.receiver = receiver;
    }

    void touch() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
      }
      timer = vertx.setTimer(idleTimeoutMs, t -> {
        // nothing from the owner for longer than a heartbeat: it died, or the cluster split
        if (streams.remove(stream) != null) {
          receiver.reset();
          tell(owner, "gone", stream, session, null);
        }
      });
    }

    void done() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
      }
      streams.remove(stream);
    }
  }

  /**
   * @param idleTimeoutMs a forwarded receiving request that hears nothing from the owner this
   *     long is ended (owners send a heartbeat well within it)
   */
  SockJsForwarder(Vertx vertx, SockJsCluster cluster, GatewayMetrics metrics, long idleTimeoutMs) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.cluster = cluster;
    this.seal = cluster.seal();
    this.metrics = metrics;
    this.idleTimeoutMs = idleTimeoutMs;
    this.replyAddress = "gateway.internal.sockjs.reply." + cluster.nodeId() + "."
        + UUID.randomUUID();
    vertx.eventBus().<Object>consumer(replyAddress, this::onFrame);
  }

  /**
   * Asks the owner whether it will serve this client's request for the session: "ok",
   * "missing" (no such session there; also when the owner is gone) or "foreign" (the session
   * belongs to another client address).
   */
  Future<String> check(String owner, String session, InetAddress client) {
    return ask(owner, request("check", session, client))
        .recover(err -> {
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
            cluster.forgetOwner(session, owner); // the owner left the cluster
          }
          return Future.succeededFuture("missing");
        });
  }

  /** Serves a receiving request from the owner's session (after a successful check). */
  void receive(String owner, String session, InetAddress client, HttpReceiver receiver) {
    metrics.sockJsForwarded();
    String stream = UUID.randomUUID().toString();
    Forwarded f = new Forwarded(stream, owner, session, receiver);
    streams.put(stream, f);
    receiver.reportTo(context, () -> {
      if (streams.containsKey(stream)) {
        f.done();
        tell(owner, "gone", stream, session, null);
      }
    });
    f.touch();
    JsonObject attach = request("attach", session, client).put("stream", stream)
        .put("replyTo", replyAddress).put("framing", receiver.framing().name())
        .put("callback", receiver.callback());
    String address = SockJsCluster.address(owner);
    vertx.eventBus().send(address, seal.seal(address, attach.toBuffer()));
  }

  /** Forwards the payload of a send to the owner; the future has the owner's answer. */
  Future<String> send(String owner, String session, InetAddress client, String payload) {
    metrics.sockJsForwarded();
    JsonObject m = request("send", session, client).put("payload", payload);
    return ask(owner, m)
        .recover(err -> {
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
            cluster.forgetOwner(session, owner);
          }
          return Future.succeededFuture("missing");
        });
  }

  /** A sealed request to the owner; the answer is its reply's payload once that opens. */
  private Future<String> ask(String owner, JsonObject m) {
    String address = SockJsCluster.address(owner);
    Buffer request = seal.seal(address, m.toBuffer());
    return vertx.eventBus().<Object>request(address, request).map(reply -> {
      Buffer answer = seal.openReply(request, reply.body());
      if (answer == null) {
        throw new IllegalStateException("a reply that does not open"); // counted by the seal
      }
      return answer.toString(java.nio.charset.StandardCharsets.UTF_8);
    });
  }

  private void onFrame(Message<Object> msg) {
    Buffer payload = seal.open(replyAddress, msg.body());
    RemoteReceiver.Frame frame = payload == null ? null : RemoteReceiver.parse(payload);
    Forwarded f = frame == null ? null : streams.get(frame.stream());
    if (f == null) {
      return;
    }
    f.touch();
    switch (frame.kind()) {
      case RemoteReceiver.DATA -> {
        Buffer data = frame.data();
        f.receiver.write(data, () -> {
          f.written += data.length();
          tell(f.owner, "ack", f.stream, f.session, f.written);
        });
      }
      case RemoteReceiver.END -> {
        f.done();
        f.receiver.end();
      }
      default -> { // RESET
        f.done();
        f.receiver.reset();
      }
    }
  }

  private void tell(String owner, String op, String stream, String session, Long bytes) {
    JsonObject m = new JsonObject().put("op", op).put("stream", stream).put("id", session);
    if (bytes != null) {
      m.put("bytes", bytes);
    }
    String address = SockJsCluster.address(owner);
    vertx.eventBus().send(address, seal.seal(address, m.toBuffer()));
  }

  private static JsonObject request(String op, String session, InetAddress client) {
    JsonObject m = new JsonObject().put("op", op).put("id", session);
    if (client != null) {
      m.put("client", client.getHostAddress());
    }
    return m;
  }
}
