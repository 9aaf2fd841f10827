package dev.gateway.transport.sockjs;

import dev.gateway.connection.ClientTransport;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One SockJS session over the HTTP transports (xhr-polling, xhr-streaming, eventsource,
 * htmlfile, jsonp), as the {@link ClientTransport} of its {@link Connection}.
 *
 * <p>Protocol: the request that creates the session gets {@code o}; messages go out in
 * {@code a[...]} frames to the attached receiving request, or wait in the session (counted in
 * the connection's outbound queue, so the slow-consumer policy applies as on every transport)
 * until the next one arrives; a polling request is answered with the first frame, a streaming one
 * stays open up to {@code sockjs.maxBytesStreaming}. A second receiving request while one is
 * attached is answered {@code c[2010,"Another connection still open"]} and the first stays
 * attached. Every heartbeat interval an idle receiver gets {@code h}. A session with no receiving
 * request for {@code sockjs.sessionTimeoutMs} is over. Once closed, every receiving request gets
 * the same {@code c[code,"reason"]} until the session is forgotten a session timeout later. A
 * receiving request the client aborts ends the session ({@code c[1002,"Connection interrupted"]}).
 *
 * <p>Threading: confined to the event loop it was opened on ({@link #context()}); requests that
 * arrive on other loops hand over to it. Receivers hop to their own response's loop.
 */
final class SockJsSession implements ClientTransport {

  private static final String ANOTHER = SockJsFrames.close(2010, "Another connection still open");
  private static final String INTERRUPTED = SockJsFrames.close(1002, "Connection interrupted");

  private enum State { OPEN, CLOSED }

  private record Pending(Outbound message, Promise<Void> written) {
  }

  final String id;
  private final InetAddress owner;
  private final String transportName;
  private final Context context;
  private final Vertx vertx;
  private final SockJsSessions registry;
  private final long sessionTimeoutMs;
  private final int maxBytesStreaming;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private Connection connection;
  private ProtocolHandler protocol;
  private State state = State.OPEN;
  private String closeFrame;
  private Receiver receiver;
  /** The receiver the close frame went to, while the connection waits for it to be read. */
  private Receiver closingReceiver;
  private int receiverBytes;
  private boolean wroteSinceHeartbeat;
  private long timeoutTimer = -1;
  private long heartbeatTimer = -1;
  private final long heartbeatMs;

  SockJsSession(String id, InetAddress owner, String transportName, Context context,
                SockJsSessions registry, long heartbeatMs, long sessionTimeoutMs,
                int maxBytesStreaming) {
    this.id = id;
    this.owner = owner;
    this.transportName = transportName;
    this.context = context;
    this.vertx = context.owner();
    this.registry = registry;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.maxBytesStreaming = maxBytesStreaming;
    this.heartbeatMs = heartbeatMs;
  }

  /** The client address the session belongs to (null when it was unknown). */
  InetAddress owner() {
    return owner;
  }

  Context context() {
    return context;
  }

  /** The session's connection and its protocol handler (set once, when it opens). */
  void connection(Connection c, ProtocolHandler protocol) {
    this.connection = c;
    this.protocol = protocol;
  }

  /**
   * The messages of one {@code xhr_send} / {@code jsonp_send} body, to the connection. Answers
   * null, a SockJS error text (500), or "closed" (404) when the session has ended.
   */
  String deliver(String payload) {
    if (state == State.CLOSED) {
      return "closed";
    }
    return SendPayload.deliver(payload, message -> protocol.handle(connection, message));
  }

  Connection connection() {
    return connection;
  }

  /** Opens the session on its creating request: {@code o}, then it stays attached if streaming. */
  void open(Receiver first) {
    heartbeatTimer = vertx.setPeriodic(heartbeatMs, t -> heartbeat());
    attachReceiver(first);
    send(SockJsFrames.OPEN);
  }

  /** A session that lost the race to open its id: it never opened and holds nothing. */
  void discard() {
    state = State.CLOSED;
  }

  /** A receiving request for this session (on the session's loop). */
  void attach(Receiver r) {
    if (state == State.CLOSED) {
      writeAndEnd(r, closeFrame);
      return;
    }
    if (receiver != null) {
      writeAndEnd(r, ANOTHER); // never detach the one that is waiting
      return;
    }
    attachReceiver(r);
    if (!queue.isEmpty()) {
      flushQueue();
    }
  }

  private void attachReceiver(Receiver r) {
    cancelTimeout();
    receiver = r;
    receiverBytes = 0;
  }

  /** The attached receiving request went away before the session ended it (client abort). */
  void receiverGone(Receiver r) {
    if (receiver != r) {
      return;
    }
    receiver = null;
    if (state == State.OPEN) {
      closeFrame = INTERRUPTED;
      state = State.CLOSED;
      failQueue();
      connection.ended(CloseReason.TRANSPORT_ERROR);
      forgetLater();
    }
  }

  /** True once the session ended: its requests get its close frame (receiving) or 404 (sends). */
  boolean closed() {
    return state == State.CLOSED;
  }

  @Override
  public String name() {
    return transportName;
  }

  @Override
  public Future<Void> write(Outbound message) {
    if (state == State.CLOSED) {
      return Future.failedFuture("session closed");
    }
    Promise<Void> written = Promise.promise();
    if (receiver != null && queue.isEmpty()) {
      Buffer chunk = sharedChunk(receiver, message);
      if (chunk != null) {
        writeToReceiver(chunk, written::tryComplete);
        return written.future();
      }
    }
    queue.add(new Pending(message, written));
    if (receiver != null) {
      flushQueue();
    }
    return written.future();
  }

  /** The shared bytes of a broadcast for the receiver's transport, or null (JSONP: per callback). */
  private static Buffer sharedChunk(Receiver r, Outbound message) {
    return switch (r.framing()) {
      case XHR_POLLING, XHR_STREAMING -> message.encoded(SockJsFrames.XHR_CHUNK);
      case EVENTSOURCE -> message.encoded(SockJsFrames.EVENTSOURCE_CHUNK);
      case HTMLFILE -> message.encoded(SockJsFrames.HTMLFILE_CHUNK);
      case JSONP -> null;
    };
  }

  /** Writes every waiting message in one {@code a[...]} frame to the attached receiver. */
  private void flushQueue() {
    List<Outbound> messages = new ArrayList<>(queue.size());
    List<Promise<Void>> promises = new ArrayList<>(queue.size());
    for (Pending p : queue) {
      messages.add(p.message());
      promises.add(p.written());
    }
    queue.clear();
    Receiver r = receiver;
    byte[] frame = SockJsFrames.array(messages);
    writeToReceiver(Buffer.buffer(r.framing().wrap(frame, r.callback())), () -> {
      for (Promise<Void> p : promises) {
        p.tryComplete();
      }
    });
  }

  /** Sends a control frame ({@code o}, {@code h}) to the attached receiver. */
  private void send(String frame) {
    Receiver r = receiver;
    if (r != null) {
      writeToReceiver(Buffer.buffer(r.framing().wrap(frame, r.callback())), () -> { });
    }
  }

  /** Writes to the attached receiver; a polling one is then done, a streaming one may be full. */
  private void writeToReceiver(Buffer wrapped, Runnable written) {
    Receiver r = receiver;
    wroteSinceHeartbeat = true;
    r.write(wrapped, written);
    receiverBytes += wrapped.length();
    if (!r.framing().streaming() || receiverBytes >= maxBytesStreaming) {
      detach(r);
      r.end();
    }
  }

  private void detach(Receiver r) {
    if (receiver == r) {
      receiver = null;
      if (state == State.OPEN) {
        startTimeout();
      }
    }
  }

  private void writeAndEnd(Receiver r, String frame) {
    r.write(Buffer.buffer(r.framing().wrap(frame, r.callback())), () -> { });
    r.end();
  }

  private void heartbeat() {
    if (state == State.OPEN && receiver != null && !wroteSinceHeartbeat) {
      send(SockJsFrames.HEARTBEAT);
    }
    wroteSinceHeartbeat = false;
  }

  private void startTimeout() {
    cancelTimeout();
    timeoutTimer = vertx.setTimer(sessionTimeoutMs, t -> {
      timeoutTimer = -1;
      if (state == State.OPEN && receiver == null) {
        // the client went away without a word: the session is over
        state = State.CLOSED;
        failQueue();
        connection.ended(CloseReason.CLIENT_CLOSED);
        forget();
      }
    });
  }

  private void cancelTimeout() {
    if (timeoutTimer != -1) {
      vertx.cancelTimer(timeoutTimer);
      timeoutTimer = -1;
    }
  }

  @Override
  public void close(CloseReason reason, String text) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    closeFrame = SockJsFrames.close(reason.code(), text);
    failQueue();
    cancelTimeout();
    Receiver r = receiver;
    receiver = null;
    if (r != null) {
      // the close frame goes out behind what the client has not read yet; the connection ends
      // once it left (or is cut after the close timeout)
      r.write(Buffer.buffer(r.framing().wrap(closeFrame, r.callback())),
          () -> connection.ended(reason));
      closingReceiver = r;
      r.end();
    } else {
      connection.ended(reason);
    }
    forgetLater();
  }

  @Override
  public void terminate() {
    Receiver r = closingReceiver != null ? closingReceiver : receiver;
    receiver = null;
    closingReceiver = null;
    if (r != null) {
      r.reset();
    }
    if (state == State.OPEN) {
      state = State.CLOSED;
      closeFrame = INTERRUPTED;
      failQueue();
      forgetLater();
    }
    connection.ended(CloseReason.TRANSPORT_ERROR);
  }

  @Override
  public boolean writable() {
    Receiver r = receiver;
    return r == null || r.writable();
  }

  /** The messages waiting for a receiver will not be sent: their bytes leave the queue. */
  private void failQueue() {
    for (Pending p : queue) {
      p.written().tryFail("session closed");
    }
    queue.clear();
  }

  /** A closed session answers its close frame for one more session timeout, then is forgotten. */
  private void forgetLater() {
    cancelHeartbeat();
    vertx.setTimer(sessionTimeoutMs, t -> forget());
  }

  private void forget() {
    cancelHeartbeat();
    registry.remove(this);
  }

  private void cancelHeartbeat() {
    if (heartbeatTimer != -1) {
      vertx.cancelTimer(heartbeatTimer);
      heartbeatTimer = -1;
    }
  }

  @Override
  public boolean ping() {
    return false; // SockJS has its own heartbeat frames and session timeout
  }

  @Override
  public boolean pause() {
    return false; // xhr_send bodies cannot be pushed back: the connection refuses requests instead
  }

  @Override
  public void resume() {
    // nothing was paused
  }
}
