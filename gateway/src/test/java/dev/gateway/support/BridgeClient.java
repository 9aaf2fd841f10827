package dev.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A plain Vert.x WebSocket client speaking the bridge protocol on {@code /ws}, with blocking
 * helpers for tests (never call them on an event loop).
 */
public final class BridgeClient implements AutoCloseable {

  public final WebSocket socket;
  private final WebSocketClient client;
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final AtomicInteger pings = new AtomicInteger();
  private volatile Short closeCode;
  private volatile String closeReason;
  private volatile boolean closed;
  private volatile long lastFrameNanos = System.nanoTime();

  private BridgeClient(WebSocketClient client, WebSocket socket) {
    this.client = client;
    this.socket = socket;
    // called on the socket's event loop as the connection completes, before any frame is handled
    socket.textMessageHandler(t -> received.add(new JsonObject(t)));
    socket.frameHandler(f -> {
      lastFrameNanos = System.nanoTime();
      if (f.type() == WebSocketFrameType.PING) {
        pings.incrementAndGet(); // Vert.x answers with a pong by itself
      }
    });
    socket.closeHandler(v -> {
      closeCode = socket.closeStatusCode();
      closeReason = socket.closeReason();
      closed = true;
    });
  }

  /** Connects to {@code ws://127.0.0.1:PORT/ws}. */
  public static BridgeClient connect(Vertx vertx, int port) {
    return connect(vertx, new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws"));
  }

  public static BridgeClient connect(Vertx vertx, WebSocketConnectOptions options) {
    return connect(vertx, new WebSocketClientOptions(), options);
  }

  /** Connects with client options of the caller's (a small receive buffer, say). */
  public static BridgeClient connect(Vertx vertx, WebSocketClientOptions clientOptions,
                                     WebSocketConnectOptions options) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions(clientOptions)
        .setMaxFrameSize(1024 * 1024).setMaxMessageSize(4 * 1024 * 1024));
    try {
      return client.connect(options).map(ws -> new BridgeClient(client, ws))
          .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      client.close();
      throw new IllegalStateException("connect failed: " + e, e);
    }
  }

  public BridgeClient send(JsonObject message) {
    socket.writeTextMessage(message.encode());
    return this;
  }

  /** Registers to an address and waits for the gateway's ack (registration complete). */
  public BridgeClient register(String address) {
    String id = "r-" + address + "-" + System.nanoTime();
    send(new JsonObject().put("type", "register").put("address", address).put("ack", id));
    JsonObject ack = await(m -> "ack".equals(m.getString("type")) && id.equals(m.getString("ack")), 10);
    if (ack == null) {
      throw new AssertionError("no ack for register " + address);
    }
    return this;
  }

  public BridgeClient publish(String address, Object body) {
    return send(new JsonObject().put("type", "publish").put("address", address).put("body", body));
  }

  /** Next received message, or null after the timeout. */
  public JsonObject next(long seconds) {
    try {
      return received.poll(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Next received message, or null after {@code millis}. */
  public JsonObject poll(long millis) {
    try {
      return received.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Every message received and not taken yet, taken now (does not wait). */
  public List<JsonObject> drain() {
    List<JsonObject> all = new ArrayList<>();
    received.drainTo(all);
    return all;
  }

  /** First message matching, skipping others, or null after the timeout. */
  public JsonObject await(Predicate<JsonObject> match, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      try {
        JsonObject m = received.poll(left, TimeUnit.NANOSECONDS);
        if (m != null && match.test(m)) {
          return m;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  /** Waits for a {@code rec} on the address. */
  public JsonObject awaitRec(String address, long seconds) {
    return await(m -> "rec".equals(m.getString("type")) && address.equals(m.getString("address")), seconds);
  }

  /** Collects up to {@code n} {@code rec} messages on the address (skipping others) before the deadline. */
  public List<JsonObject> collectRecs(String address, int n, long deadlineNanos) {
    List<JsonObject> got = new ArrayList<>();
    while (got.size() < n && System.nanoTime() < deadlineNanos) {
      JsonObject m = next(1);
      if (m != null && "rec".equals(m.getString("type")) && address.equals(m.getString("address"))) {
        got.add(m);
      }
    }
    return got;
  }

  /** Waits until the server closes the socket; returns its close code, or null on timeout. */
  public Short awaitClose(long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (closeCode == null && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return closeCode;
  }

  /** True once the socket closed, with a close frame or without (a reset, say). */
  public boolean isClosed() {
    return closed;
  }

  /** {@code System.nanoTime()} of the last frame received (pings included). */
  public long lastFrameNanos() {
    return lastFrameNanos;
  }

  /** Lets go of the connection without waiting (its node may be frozen or gone). */
  public void abandon() {
    socket.close();
    client.close();
  }

  /** Pings received from the server so far (each answered by the client's automatic pong). */
  public int pings() {
    return pings.get();
  }

  public String closeReason() {
    return closeReason;
  }

  @Override
  public void close() {
    try {
      socket.close().await(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // already closed by the server
    }
    client.close();
  }

  /**
   * The message is the ack of {@code id} (a register ack on a history channel also carries the
   * position: {@code address}, {@code recovered}, {@code offset}, {@code epoch}).
   */
  public static void assertAck(String id, io.vertx.core.json.JsonObject message) {
    org.junit.jupiter.api.Assertions.assertNotNull(message, "no ack " + id);
    org.junit.jupiter.api.Assertions.assertEquals("ack", message.getString("type"), message.encode());
    org.junit.jupiter.api.Assertions.assertEquals(id, message.getString("ack"), message.encode());
  }
}
