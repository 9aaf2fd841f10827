package dev.gateway.cluster;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * The owner's side of SockJS forwarding (one per node): replays a request forwarded by another
 * node against this node's own HTTP server and streams the response back over the event bus,
 * pausing once {@link #WINDOW} bytes are unacknowledged by the forwarding node.
 */
public final class SockJsForwardTarget extends VerticleBase {

  /** Unacknowledged bytes in flight per forwarded stream before the owner pauses it. */
  static final int WINDOW = 256 * 1024;

  private final String nodeId;
  private final String localHost;
  private final int localPort;
  private final int maxStreams;
  private final Map<String, Stream> streams = new HashMap<>();
  private HttpClient client;

  /** A paused stream whose forwarding node sends no ack for this long is abandoned. */
  static final long ACK_TIMEOUT_NANOS = 60_000_000_000L;
  /** What may be replayed: a SockJS session request, nothing else on this node. */
  private static final java.util.regex.Pattern REPLAYABLE =
      java.util.regex.Pattern.compile("/eventbus/[^/?]+/[^/?]+/[a-z_]+(\\?.*)?");

  private static final class Stream {
    final String replyTo;
    HttpClientRequest request;
    HttpClientResponse response;
    long unacked;
    boolean paused;
    boolean cancelled;
    long lastAck = System.nanoTime();

    Stream(String replyTo) {
      this.replyTo = replyTo;
    }
  }

  public SockJsForwardTarget(String nodeId, String serverHost, int serverPort, int maxStreams) {
    this.nodeId = nodeId;
    this.localHost = serverHost.equals("0.0.0.0") || serverHost.equals("::") ? "127.0.0.1" : serverHost;
    this.localPort = serverPort;
    this.maxStreams = maxStreams;
  }

  /** Event-bus address of a node's forward target. */
  static String address(String nodeId) {
    return "gateway.internal.sockjs." + nodeId;
  }

  /** Event-bus address where a forwarding server instance receives responses. */
  static String replyAddress(String nodeId, String instance) {
    return "gateway.internal.sockjs.reply." + nodeId + "." + instance;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(Math.max(16, maxStreams)));
    // a forwarding node that stopped acknowledging (it died, or the cluster split): let go
    vertx.setPeriodic(5_000, t -> {
      long now = System.nanoTime();
      streams.entrySet().removeIf(e -> {
        Stream s = e.getValue();
        if (s.paused && now - s.lastAck > ACK_TIMEOUT_NANOS) {
          if (s.request != null) {
            s.request.reset();
          }
          return true;
        }
        return false;
      });
    });
    return vertx.eventBus().<JsonObject>consumer(address(nodeId), this::onMessage).completion();
  }

  private void onMessage(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    if (body.containsKey("ack")) {
      Stream s = streams.get(body.getString("ack"));
      if (s != null) {
        s.lastAck = System.nanoTime();
        s.unacked -= body.getLong("bytes", 0L);
        if (s.paused && s.unacked < WINDOW / 2 && s.response != null) {
          s.paused = false;
          s.response.resume();
        }
      }
    } else if (body.containsKey("cancel")) {
      Stream s = streams.remove(body.getString("cancel"));
      if (s != null) {
        s.cancelled = true; // a request not created yet is reset as soon as it is
        if (s.request != null) {
          s.request.reset();
        }
      }
    } else {
      msg.reply("accepted");
      replay(body);
    }
  }

  private void replay(JsonObject forwarded) {
    String id = forwarded.getString("id");
    Stream stream = new Stream(forwarded.getString("replyTo"));
    String method = forwarded.getString("method");
    if (!REPLAYABLE.matcher(forwarded.getString("uri", "")).matches()
        || !(method.equals("GET") || method.equals("POST"))) {
      vertx.eventBus().send(stream.replyTo, null, SockJsForwarding.replyOptions(id, "error"));
      return;
    }
    streams.put(id, stream);
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.valueOf(forwarded.getString("method")))
        .setHost(localHost).setPort(localPort).setURI(forwarded.getString("uri"));
    forwarded.getJsonObject("headers").forEach(e -> {
      String name = e.getKey().toLowerCase();
      if (!name.equals("connection") && !name.equals("keep-alive") && !name.equals("content-length")
          && !name.equals("transfer-encoding")) {
        options.addHeader(e.getKey(), String.valueOf(e.getValue()));
      }
    });
    options.putHeader(SockJsForwarding.FORWARDED_HEADER, SockJsForwarding.REPLAY_TOKEN);
    Buffer body = Buffer.buffer(forwarded.getBinary("body"));
    client.request(options).compose(req -> {
      stream.request = req;
      if (stream.cancelled) {
        req.reset();
      }
      return req.send(body);
    }).onSuccess(resp -> relay(id, stream, resp)).onFailure(err -> {
      if (streams.remove(id) != null) {
        vertx.eventBus().send(stream.replyTo, null, SockJsForwarding.replyOptions(id, "error"));
      }
    });
  }

  private void relay(String id, Stream stream, HttpClientResponse resp) {
    stream.response = resp;
    JsonObject headers = new JsonObject();
    resp.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
    vertx.eventBus().send(stream.replyTo,
        new JsonObject().put("status", resp.statusCode()).put("headers", headers),
        SockJsForwarding.replyOptions(id, "head"));
    resp.handler(chunk -> {
      vertx.eventBus().send(stream.replyTo, chunk, SockJsForwarding.replyOptions(id, "data"));
      stream.unacked += chunk.length();
      if (!stream.paused && stream.unacked >= WINDOW) {
        stream.paused = true;
        resp.pause();
      }
    });
    resp.endHandler(v -> {
      if (streams.remove(id) != null) {
        vertx.eventBus().send(stream.replyTo, null, SockJsForwarding.replyOptions(id, "end"));
      }
    });
    resp.exceptionHandler(err -> {
      if (streams.remove(id) != null) {
        vertx.eventBus().send(stream.replyTo, null, SockJsForwarding.replyOptions(id, "error"));
      }
    });
  }
}
