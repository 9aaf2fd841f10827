package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * One subscriber of the recovery phase, across a drop and a reconnect: it remembers its stream
 * position and asks for what it missed, as a client of each server is meant to.
 *
 * <ul>
 *   <li>gateway: {@code register}, then the {@code gateway.offset}/{@code gateway.epoch} of the
 *       last {@code rec}; on reconnect a {@code register} with {@code gateway.since} and
 *       {@code gateway.epoch}; recovered when the ack says {@code "recovered":true}.</li>
 *   <li>Socket.IO with connectionStateRecovery: {@code 42["sub",C]}, then the offset the server
 *       appends to every broadcast as its last argument; on reconnect the CONNECT packet carries
 *       {@code {"pid":..,"offset":..}}; recovered when the server answers with the same pid (as
 *       socket.io-client decides). A client that was not recovered subscribes again.</li>
 * </ul>
 *
 * Every publication carries the publisher's sequence number ({@code "s"}): the client keeps the
 * set it received, so what it lost and when it caught up are counted the same for both servers.
 * Frames are handled on one event loop per socket; the fields read by the phase afterwards are
 * read only once the phase has stopped publishing and waited (see {@link RecoveryPhase}).
 */
final class RecoveryClient {

  private final Target target;
  private final String channel;
  private final BitSet received = new BitSet();
  private volatile WebSocket ws;
  private volatile Promise<Void> ready;
  private long firstSeq = -1;
  private long contiguous = -1;
  private long duplicates;
  private long retries;
  private String offset;
  private String epoch;
  private String pid;
  private boolean reconnecting;
  private volatile boolean recovered;
  /** Caught up once every publication up to this sequence number has arrived (-1: not asked). */
  private volatile long catchUpSeq = -1;
  private volatile long reconnectStartNanos;
  private volatile long readyNanos;
  private volatile long caughtUpNanos;

  RecoveryClient(Target target, String channel) {
    this.target = target;
    this.channel = channel;
  }

  /** Connects and subscribes; completes on the subscription receipt. */
  Future<Void> start(LoadGenerator gen, int port, int index) {
    return open(gen, port, index);
  }

  /**
   * Reconnects after {@link #drop()}: asks for what was missed since the last position; completes
   * on the receipt. Caught up once every publication up to {@code catchUpSeq} has arrived.
   */
  Future<Void> reconnect(LoadGenerator gen, int port, int index, long catchUpSeq) {
    this.catchUpSeq = catchUpSeq;
    this.reconnectStartNanos = System.nanoTime();
    synchronized (this) {
      reconnecting = true;
      if (contiguous > catchUpSeq) {
        caughtUpNanos = reconnectStartNanos;
      }
    }
    return open(gen, port, index);
  }

  /** Drops the connection (the client goes away without unsubscribing). */
  Future<Void> drop() {
    WebSocket w = ws;
    return w == null ? Future.succeededFuture() : w.close();
  }

  void close() {
    WebSocket w = ws;
    if (w != null) {
      w.close();
    }
  }

  /** Connection attempts per (re)connect: a client retries a failed handshake, as real ones do. */
  static final int ATTEMPTS = 5;
  private static final long RETRY_MS = 250;

  private Future<Void> open(LoadGenerator gen, int port, int index) {
    Promise<Void> done = Promise.promise();
    attempt(gen, port, index, 1, done);
    return done.future();
  }

  private void attempt(LoadGenerator gen, int port, int index, int n, Promise<Void> done) {
    once(gen, port, index).onComplete(ar -> {
      if (ar.succeeded()) {
        done.tryComplete();
      } else if (n >= ATTEMPTS) {
        done.tryFail(ar.cause());
      } else {
        synchronized (this) {
          retries++;
        }
        gen.vertx().setTimer(RETRY_MS, t -> attempt(gen, port, index, n + 1, done));
      }
    });
  }

  private Future<Void> once(LoadGenerator gen, int port, int index) {
    Promise<Void> p = Promise.promise();
    ready = p;
    gen.connect(port, target.path, index).onComplete(ar -> {
      if (ar.failed()) {
        p.tryFail(ar.cause());
        return;
      }
      WebSocket w = ar.result();
      ws = w;
      w.exceptionHandler(err -> { });
      w.closeHandler(v -> p.tryFail("closed before the receipt"));
      w.frameHandler(frame -> onFrame(w, frame));
      if (target == Target.GATEWAY) {
        w.writeTextMessage(register());
      }
    });
    return p.future();
  }

  private synchronized String register() {
    if (!reconnecting || offset == null) {
      return "{\"type\":\"register\",\"address\":\"" + channel + "\",\"ack\":\"r\"}";
    }
    return "{\"type\":\"register\",\"address\":\"" + channel + "\",\"ack\":\"r\",\"headers\":"
        + "{\"gateway.since\":\"" + offset + "\",\"gateway.epoch\":\"" + epoch + "\"}}";
  }

  private void onFrame(WebSocket w, WebSocketFrame frame) {
    if (!frame.isText() && !frame.isContinuation()) {
      return;
    }
    Buffer b = frame.binaryData();
    String text = b.toString(StandardCharsets.UTF_8);
    if (target == Target.GATEWAY) {
      onGateway(text);
    } else {
      onSocketIo(w, text);
    }
  }

  private void onGateway(String text) {
    if (text.startsWith("{\"type\":\"rec\"") || text.contains("\"type\":\"rec\"")) {
      String o = quoted(text, "\"gateway.offset\":\"");
      String e = quoted(text, "\"gateway.epoch\":\"");
      synchronized (this) {
        if (o != null) {
          offset = o;
          epoch = e;
        }
      }
      publication(text);
    } else if (text.contains("\"type\":\"ack\"")) {
      synchronized (this) {
        if (reconnecting) {
          recovered = text.contains("\"recovered\":true");
        }
        if (offset == null) {
          // a register ack carries the position too: a client that received nothing yet
          offset = quoted(text, "\"offset\":\"");
          epoch = quoted(text, "\"epoch\":\"");
        }
      }
      readyNanos = System.nanoTime();
      ready.tryComplete();
    }
  }

  private void onSocketIo(WebSocket w, String text) {
    if (text.equals("2")) {
      w.writeTextMessage("3");
    } else if (text.startsWith("0{")) {
      synchronized (this) {
        w.writeTextMessage(reconnecting && pid != null && offset != null
            ? "40{\"pid\":\"" + pid + "\",\"offset\":\"" + offset + "\"}" : "40");
      }
    } else if (text.startsWith("40{")) {
      String newPid = quoted(text, "\"pid\":\"");
      boolean same;
      synchronized (this) {
        same = reconnecting && pid != null && pid.equals(newPid);
        pid = newPid;
      }
      if (same) {
        recovered = true;
        readyNanos = System.nanoTime();
        ready.tryComplete();
      } else {
        w.writeTextMessage("42[\"sub\",\"" + channel + "\"]");
      }
    } else if (text.startsWith("42[\"subscribed\"")) {
      readyNanos = System.nanoTime();
      ready.tryComplete();
    } else if (text.startsWith("42[\"msg\"")) {
      int end = text.lastIndexOf('"');
      int start = text.lastIndexOf('"', end - 1);
      synchronized (this) {
        if (start > 0 && text.charAt(start - 1) == ',') {
          offset = text.substring(start + 1, end);
        }
      }
      publication(text);
    }
  }

  /** Records the publication's sequence number and whether the client has caught up. */
  private void publication(String text) {
    int at = text.indexOf("\"s\":");
    if (at < 0) {
      return;
    }
    long seq = 0;
    for (int i = at + 4; i < text.length() && Character.isDigit(text.charAt(i)); i++) {
      seq = seq * 10 + (text.charAt(i) - '0');
    }
    synchronized (this) {
      if (firstSeq < 0) {
        firstSeq = seq;
        contiguous = seq;
      }
      if (seq < firstSeq) {
        return;
      }
      if (received.get((int) seq)) {
        duplicates++;
        return;
      }
      received.set((int) seq);
      while (received.get((int) contiguous)) {
        contiguous++;
      }
      if (catchUpSeq >= 0 && caughtUpNanos == 0 && contiguous > catchUpSeq) {
        caughtUpNanos = System.nanoTime();
      }
    }
  }

  private static String quoted(String text, String key) {
    int at = text.indexOf(key);
    if (at < 0) {
      return null;
    }
    int from = at + key.length();
    int to = text.indexOf('"', from);
    return to < 0 ? null : text.substring(from, to);
  }

  /** Publications in [first received, {@code lastSeq}] that never arrived. */
  synchronized long lost(long lastSeq) {
    if (firstSeq < 0) {
      return lastSeq + 1;
    }
    long missing = 0;
    for (long s = firstSeq; s <= lastSeq; s++) {
      if (!received.get((int) s)) {
        missing++;
      }
    }
    return missing;
  }

  /** Connection attempts that failed and were retried. */
  synchronized long retries() {
    return retries;
  }

  synchronized long duplicates() {
    return duplicates;
  }

  synchronized long firstSeq() {
    return firstSeq;
  }

  boolean recovered() {
    return recovered;
  }

  /** From the start of the reconnect to the receipt, ms (NaN if none came). */
  double reconnectMs() {
    return readyNanos == 0 || readyNanos < reconnectStartNanos ? Double.NaN
        : (readyNanos - reconnectStartNanos) / 1e6;
  }

  /** From the start of the reconnect until nothing published before it is missing, ms. */
  double catchUpMs() {
    return caughtUpNanos == 0 ? Double.NaN : (caughtUpNanos - reconnectStartNanos) / 1e6;
  }

  long caughtUpNanos() {
    return caughtUpNanos;
  }
}
