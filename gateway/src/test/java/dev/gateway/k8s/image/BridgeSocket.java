package dev.gateway.k8s.image;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A plain JDK WebSocket client speaking the gateway's JSON protocol on {@code /ws}. */
final class BridgeSocket implements WebSocket.Listener, AutoCloseable {

  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private final WebSocket ws;

  BridgeSocket(HttpClient http, int port) {
    this.ws = http.newWebSocketBuilder().subprotocols("v1.eventbus.gateway").connectTimeout(Duration.ofSeconds(10))
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), this).orTimeout(15, TimeUnit.SECONDS).join();
  }

  void send(JsonObject message) {
    ws.sendText(message.encode(), true).orTimeout(10, TimeUnit.SECONDS).join();
  }

  /** The next message of the given type, skipping others; fails after the timeout. */
  JsonObject await(String type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (long left = timeout.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      JsonObject m = received.poll(left, TimeUnit.NANOSECONDS);
      if (m != null && type.equals(m.getString("type"))) {
        return m;
      }
    }
    return fail("no '" + type + "' message within " + timeout);
  }

  /** The close code the server sent, or null if it did not close within the timeout. */
  Integer awaitClose(Duration timeout) {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      received.add(new JsonObject(partial.toString()));
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.completeExceptionally(error);
  }

  @Override
  public void close() {
    if (!ws.isOutputClosed()) {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    ws.abort();
  }
}
