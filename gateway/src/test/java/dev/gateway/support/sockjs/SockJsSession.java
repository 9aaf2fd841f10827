package dev.gateway.support.sockjs;

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
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A hand-written SockJS 0.3.3 client session speaking the bridge protocol, for tests: one
 * subclass per transport moves frames ({@code o}, {@code h}, {@code a[...]}, {@code c[...]}) and
 * hands each to {@link #onFrame}; this class decodes them ({@link SockJsFrame}) and offers
 * blocking helpers (never call them on an event loop).
 *
 * <p>The factories open a session and wait for its {@code o} frame. A session the test drives
 * request by request, each to a node it names, is a {@link ManualSession}.
 */
public abstract class SockJsSession implements AutoCloseable {

  /** Every frame received, in order (for protocol assertions). */
  private final List<String> frames = new CopyOnWriteArrayList<>();
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final Object frameLock = new Object();
  private volatile boolean opened;
  private volatile JsonArray closeFrame;
  private volatile Throwable failure;
  private volatile long lastFrameNanos = System.nanoTime();
  private volatile boolean keepFrames = true;

  // ---------------------------------------------------------------- factories

  /** xhr-polling: {@code POST <session>/xhr}, one frame per poll. */
  public static PollingSession xhrPolling(Vertx vertx, int port) {
    return new PollingSession(vertx, port, newSessionPath()).awaitOpen();
  }

  /** xhr-streaming: {@code POST <session>/xhr_streaming}, many frames per response. */
  public static StreamingSession xhrStreaming(Vertx vertx, int port) {
    return new StreamingSession(vertx, port, newSessionPath(), false, false).awaitOpen();
  }

  /** eventsource: {@code GET <session>/eventsource}, one frame per event. */
  public static StreamingSession eventSource(Vertx vertx, int port) {
    return new StreamingSession(vertx, port, newSessionPath(), true, false).awaitOpen();
  }

  /** {@code /eventbus/<server>/<session>/websocket}: SockJS framing over a WebSocket. */
  public static WebSocketSession webSocket(Vertx vertx, int port) {
    return new WebSocketSession(vertx, port, newSessionPath() + "/websocket", false).awaitOpen();
  }

  /** {@code /eventbus/websocket}: plain text frames, one bridge message each, no SockJS framing. */
  public static WebSocketSession rawWebSocket(Vertx vertx, int port) {
    return new WebSocketSession(vertx, port, "/eventbus/websocket", true).awaitOpen();
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
  protected void onFrame(String text) {
    lastFrameNanos = System.nanoTime();
    if (keepFrames) {
      frames.add(text);
    }
    SockJsFrame frame;
    try {
      frame = SockJsFrame.parse(text);
    } catch (IllegalStateException e) {
      fail(e);
      return;
    }
    switch (frame.kind()) {
      case OPEN -> {
        if (opened) {
          fail(new IllegalStateException("second open frame: the server opened the session twice"));
        }
        opened = true;
      }
      case ARRAY -> frame.messages().forEach(this::onMessage);
      case CLOSE -> closeFrame = frame.close();
      case HEARTBEAT -> { }
    }
    signal();
  }

  /** One message of an {@code a} frame (or one raw WebSocket text frame): a bridge message. */
  protected void onMessage(String text) {
    try {
      received.add(new JsonObject(text));
    } catch (RuntimeException e) {
      fail(new IllegalStateException("not a bridge message (a JSON object): " + text, e));
    }
  }

  /** Records a text frame that is not SockJS-framed (raw WebSocket) without decoding it. */
  protected void recordFrame(String text) {
    if (keepFrames) {
      frames.add(text);
    }
    signal();
  }

  /** Marks the session opened without an {@code o} frame (raw WebSocket, or an attached stream). */
  protected void markOpened() {
    opened = true;
    signal();
  }

  /** Records a transport failure; waits end early and report it. */
  protected void fail(Throwable t) {
    if (failure == null) {
      failure = t;
    }
    signal();
  }

  private void signal() {
    synchronized (frameLock) {
      frameLock.notifyAll();
    }
  }

  @SuppressWarnings("unchecked")
  final <S extends SockJsSession> S awaitOpen() {
    if (!awaitCondition(() -> opened, 10)) {
      close();
      throw new IllegalStateException("SockJS session did not open: frames=" + frames, failure);
    }
    return (S) this;
  }

  // ---------------------------------------------------------------- bridge helpers

  public Throwable failure() {
    return failure;
  }

  /** The {@code c[code,"reason"]} frame received, or null. */
  public JsonArray closeFrame() {
    return closeFrame;
  }

  /**
   * Stops recording frames for {@link #frames()} (a long-lived session in a load test would
   * otherwise hold every frame it ever received); decoding goes on.
   */
  public SockJsSession stopKeepingFrames() {
    keepFrames = false;
    return this;
  }

  /** Every frame received so far. */
  public List<String> frames() {
    return List.copyOf(frames);
  }

  public SockJsSession send(JsonObject message) {
    sendMessages(message.encode());
    return this;
  }

  /** Registers to an address and waits for the gateway's ack. */
  public SockJsSession register(String address) {
    String id = "r-" + address + "-" + System.nanoTime();
    send(new JsonObject().put("type", "register").put("address", address).put("ack", id));
    if (await(m -> "ack".equals(m.getString("type")) && id.equals(m.getString("ack")), 10) == null) {
      throw new AssertionError("no ack for register " + address + "; frames=" + frames
          + ", failure=" + failure);
    }
    return this;
  }

  public SockJsSession publish(String address, Object body) {
    return send(new JsonObject().put("type", "publish").put("address", address).put("body", body));
  }

  /** First message matching, skipping others, or null after the timeout (or a transport failure). */
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

  /** Next message received, or null after {@code millis} (does not look at failures). */
  public JsonObject next(long millis) {
    try {
      return received.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** {@code System.nanoTime()} of the last frame received (heartbeats included). */
  public long lastFrameNanos() {
    return lastFrameNanos;
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
  public boolean awaitCondition(BooleanSupplier condition, long seconds) {
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
