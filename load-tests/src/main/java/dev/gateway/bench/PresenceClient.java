package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One bridge connection of the presence benchmark: a watcher (counts the join, leave and counts
 * events it receives), a churning member (register and unregister, each acked) or an asker
 * ({@code presence} pages and {@code presence_stats}, answered by ack id). Thread-safe: requests
 * may be sent from any thread; answers complete on the socket's event loop.
 */
final class PresenceClient {

  private final WebSocket ws;
  private final Map<String, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong ids = new AtomicLong();

  PresenceClient(WebSocket ws) {
    this.ws = ws;
    ws.exceptionHandler(e -> { });
    ws.textMessageHandler(text -> {
      if (text.contains("\"gateway.event\"")) {
        events.incrementAndGet();
        return;
      }
      if (!text.contains("\"ack\"")) {
        return;
      }
      JsonObject m = new JsonObject(text);
      Promise<JsonObject> p = m.getValue("ack") instanceof String id ? pending.remove(id) : null;
      if (p != null) {
        p.tryComplete(m);
      }
    });
    ws.closeHandler(v -> pending.values().forEach(p -> p.tryFail("closed")));
  }

  /** Join, leave and counts events received so far. */
  long events() {
    return events.get();
  }

  /** A request with a fresh ack id; its answer (an ack, an err or the presence answer). */
  Future<JsonObject> request(JsonObject message) {
    String id = "b" + ids.incrementAndGet();
    Promise<JsonObject> p = Promise.promise();
    pending.put(id, p);
    ws.writeTextMessage(message.copy().put("ack", id).encode());
    return p.future();
  }

  Future<JsonObject> register(String channel, boolean joinLeave) {
    JsonObject m = new JsonObject().put("type", "register").put("address", channel);
    if (joinLeave) {
      m.put("headers", new JsonObject().put("gateway.joinLeave", "true"));
    }
    return request(m);
  }

  Future<JsonObject> unregister(String channel) {
    return request(new JsonObject().put("type", "unregister").put("address", channel));
  }

  Future<JsonObject> page(String channel, int limit, String cursor) {
    JsonObject m = new JsonObject().put("type", "presence").put("address", channel)
        .put("limit", limit);
    if (cursor != null) {
      m.put("cursor", cursor);
    }
    return request(m);
  }

  Future<JsonObject> stats(String channel) {
    return request(new JsonObject().put("type", "presence_stats").put("address", channel));
  }

  Future<Void> close() {
    return ws.close();
  }
}
