package dev.gateway.connection;

import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client transport with no network under it: it records what the connection asks of it (writes,
 * closes, pings, pauses) and leaves each write pending until the test says the network took it
 * ({@link #flush}) or failed ({@link #fail}). Like a real transport, it reports the end of the
 * connection once, through {@link Connection#ended}: when the client goes ({@link #clientGone}),
 * when a close it was asked for completes ({@link #closeCompleted}), or when it is cut
 * ({@link #terminate()}: its pending writes fail, and the end follows on a later turn of the
 * loop). Every call must come from the connection's event loop; one that does not is recorded in
 * {@link #violations()}.
 */
final class FakeTransport implements ClientTransport {

  private final String name;
  private final Thread loop;
  private final Context context;
  private final List<Outbound> written = new ArrayList<>();
  private final Deque<Promise<Void>> pending = new ArrayDeque<>();
  private final List<CloseReason> closes = new ArrayList<>();
  private final List<String> closeTexts = new ArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private Connection connection;
  private boolean ended;
  private boolean writable = true;
  private boolean canPing = true;
  private int pings;
  private int terminations;
  private int writesAfterClose;

  /** A transport of the given metric name, owned by the calling event loop. */
  FakeTransport(String name) {
    this.name = name;
    this.loop = Thread.currentThread();
    this.context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("create a FakeTransport on its connection's event loop");
    }
  }

  /** The connection this transport reports its end to. */
  void attach(Connection c) {
    this.connection = c;
  }

  Connection connection() {
    return connection;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Void> write(Outbound message) {
    check("write");
    if (!closes.isEmpty()) {
      writesAfterClose++;
    }
    written.add(message);
    Promise<Void> p = Promise.promise();
    pending.add(p);
    return p.future();
  }

  @Override
  public void close(CloseReason reason, String text) {
    check("close");
    closes.add(reason);
    closeTexts.add(text);
  }

  @Override
  public void terminate() {
    check("terminate");
    terminations++;
    // as a socket closed under its writes: they fail, and the end is reported on a later turn
    while (!pending.isEmpty()) {
      pending.poll().fail("terminated");
    }
    context.runOnContext(v -> end(CloseReason.TRANSPORT_ERROR));
  }

  @Override
  public boolean writable() {
    check("writable");
    return writable;
  }

  @Override
  public boolean ping() {
    check("ping");
    if (canPing) {
      pings++;
    }
    return canPing;
  }

  @Override
  public boolean pause() {
    check("pause");
    return true;
  }

  @Override
  public void resume() {
    check("resume");
  }

  /** The network took the oldest {@code n} pending writes (in the order they were written). */
  void flush(int n) {
    for (int i = 0; i < n; i++) {
      pending.poll().complete();
    }
  }

  /** The oldest {@code n} pending writes failed (the socket broke under them). */
  void fail(int n) {
    for (int i = 0; i < n; i++) {
      pending.poll().fail("broken pipe");
    }
  }

  /** The client went away (or closed) while the connection was open. */
  void clientGone(CloseReason reason) {
    end(reason);
  }

  /** The client read the close the gateway asked for: the transport is gone. */
  void closeCompleted() {
    end(closes.isEmpty() ? CloseReason.CLIENT_CLOSED : closes.get(0));
  }

  private void end(CloseReason reason) {
    if (!ended) {
      ended = true;
      connection.ended(reason);
    }
  }

  void writable(boolean w) {
    this.writable = w;
  }

  void canPing(boolean p) {
    this.canPing = p;
  }

  List<Outbound> written() {
    return written;
  }

  int pendingWrites() {
    return pending.size();
  }

  /** The reason texts of the closes, in order. */
  List<String> closeTexts() {
    return closeTexts;
  }

  List<CloseReason> closes() {
    return closes;
  }

  int pings() {
    return pings;
  }

  int terminations() {
    return terminations;
  }

  int writesAfterClose() {
    return writesAfterClose;
  }

  /** Calls that did not come from the connection's event loop. */
  List<String> violations() {
    return violations;
  }

  private void check(String call) {
    if (Thread.currentThread() != loop) {
      violations.add(call + " on " + Thread.currentThread().getName());
    }
  }
}
