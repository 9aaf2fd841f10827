package dev.gateway.transport;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A hand-written SockJS 0.3.3 client speaking the bridge protocol, for tests. Subclasses move
 * frames ({@code o}, {@code h}, {@code a[...]}, {@code c[code,"reason"]}) over one transport and
 * hand each one to {@link #onFrame}; this class decodes them and offers blocking helpers (never
 * call them on an event loop).
 *
 * <p>Factories open the session and wait for its {@code o} frame.
 */
public abstract class SockJsClient implements AutoCloseable {

  /** Every frame received, in order (for protocol assertions). */
  protected final List<String> frames = new CopyOnWriteArrayList<>();
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final Object frameLock = new Object();
  private volatile boolean opened;
  private volatile JsonArray closeFrame;
  private volatile Throwable failure;

  // ---------------------------------------------------------------- factories

  public static SockJsClient xhrPolling(Vertx vertx, int port) {
    return new SockJsPollingClient(vertx, port, newSessionPath()).awaitOpen();
  }

  public static SockJsClient xhrStreaming(Vertx vertx, int port) {
    return new SockJsStreamingClient(vertx, port, newSessionPath(), false).awaitOpen();
  }

  public static SockJsClient eventSource(Vertx vertx, int port) {
    return new SockJsStreamingClient(vertx, port, newSessionPath(), true).awaitOpen();
  }

  /** {@code /eventbus/<server>/<session>/websocket}: SockJS framing over a WebSocket. */
  public static SockJsClient webSocket(Vertx vertx, int port) {
    return new SockJsWebSocketClient(vertx, port, newSessionPath() + "/websocket", false).awaitOpen();
  }

  /** {@code /eventbus/websocket}: plain text frames, one bridge message each, no SockJS framing. */
  public static SockJsClient rawWebSocket(Vertx vertx, int port) {
    return new SockJsWebSocketClient(vertx, port, "/eventbus/websocket", true).awaitOpen();
  }

  /** A fresh {@code /eventbus/<server-id>/<session-id>} (server id: three digits). */
  public static String newSessionPath() {
    int server = ThreadLocalRandom.current().nextInt(1000);
    return String.format("/eventbus/%03d/%s", server, UUID.randomUUID().toString().replace("-", ""));
  }

  // ---------------------------------------------------------------- transport side

  /** Sends the given strings as SockJS messages (one bridge message each). */
  public abstract void sendMessages(String... messages);

  /** Stops the transport; the server sees the client go away. */
  @Override
  public abstract void close();

  /** Decodes one SockJS frame. */
  protected void onFrame(String frame) {
    frames.add(frame);
    if (frame.equals("o")) {
      if (opened) {
        fail(new IllegalStateException("second open frame: the server opened the session twice"));
      }
      opened = true;
    } else if (frame.startsWith("a")) {
      for (Object m : new JsonArray(frame.substring(1))) {
        onMessage((String) m);
      }
    } else if (frame.startsWith("c")) {
      closeFrame = new JsonArray(frame.substring(1));
    } else if (!frame.equals("h")) {
      fail(new IllegalStateException("not a SockJS frame: " + frame));
    }
    synchronized (frameLock) {
      frameLock.notifyAll();
    }
  }

  /** One message of an {@code a} frame (or one raw WebSocket text frame): a bridge message. */
  protected void onMessage(String text) {
    received.add(new JsonObject(text));
  }

  /** Marks the session opened without an {@code o} frame (raw WebSocket). */
  protected void markOpened() {
    opened = true;
    synchronized (frameLock) {
      frameLock.notifyAll();
    }
  }

  /** Records a transport failure; waits end early and report it. */
  protected void fail(Throwable t) {
    if (failure == null) {
      failure = t;
    }
    synchronized (frameLock) {
      frameLock.notifyAll();
    }
  }

  final SockJsClient awaitOpen() {
    if (!awaitCondition(() -> opened, 10)) {
      close();
      throw new IllegalStateException("SockJS session did not open: frames=" + frames, failure);
    }
    return this;
  }

  // ---------------------------------------------------------------- bridge helpers

  public Throwable failure() {
    return failure;
  }

  /** The {@code c[code,"reason"]} frame received, or null. */
  public JsonArray closeFrame() {
    return closeFrame;
  }

  /** Every frame received so far. */
  public List<String> frames() {
    return List.copyOf(frames);
  }

  public SockJsClient send(JsonObject message) {
    sendMessages(message.encode());
    return this;
  }

  /** Registers to an address and waits for the gateway's ack. */
  public SockJsClient register(String address) {
    String id = "r-" + address + "-" + System.nanoTime();
    send(new JsonObject().put("type", "register").put("address", address).put("ack", id));
    if (await(m -> "ack".equals(m.getString("type")) && id.equals(m.getString("ack")), 10) == null) {
      throw new AssertionError("no ack for register " + address + "; frames=" + frames
          + ", failure=" + failure);
    }
    return this;
  }

  public SockJsClient publish(String address, Object body) {
    return send(new JsonObject().put("type", "publish").put("address", address).put("body", body));
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
        JsonObject m = received.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)),
            TimeUnit.NANOSECONDS);
        if (m != null && match.test(m)) {
          return m;
        }
        if (m == null && failure != null) {
          return null;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  /** Waits for a {@code rec} on the address. */
  public JsonObject awaitRec(String address, long seconds) {
    return await(m -> "rec".equals(m.getString("type")) && address.equals(m.getString("address")),
        seconds);
  }

  /** Waits for an {@code err} with the given code in its body. */
  public JsonObject awaitErr(String code, long seconds) {
    return await(m -> "err".equals(m.getString("type")) && code.equals(m.getValue("body")), seconds);
  }

  /** Waits until the condition holds (checked on every frame and every 50 ms). */
  public boolean awaitCondition(java.util.function.BooleanSupplier condition, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    synchronized (frameLock) {
      while (!condition.getAsBoolean()) {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (leftMs <= 0 || failure != null) {
          return condition.getAsBoolean();
        }
        try {
          frameLock.wait(Math.min(leftMs, 50));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }
}
