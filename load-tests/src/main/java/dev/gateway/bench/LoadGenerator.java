package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one load generator: a Vert.x client on its own event loops, with one WebSocket client per
 * loopback source address (127.0.0.1..127.0.0.K) so that many thousands of connections do not
 * crowd one address's ephemeral ports. Used for every target, with {@link Target} for framing.
 */
final class LoadGenerator implements AutoCloseable {

  private final Vertx vertx;
  private final List<WebSocketClient> clients = new ArrayList<>();

  LoadGenerator(int eventLoops, int sourceAddresses) {
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops)
        .setBlockedThreadCheckInterval(10_000));
    for (int i = 1; i <= sourceAddresses; i++) {
      clients.add(vertx.createWebSocketClient(new WebSocketClientOptions()
          .setLocalAddress("127.0.0." + i)
          .setMaxConnections(25_000)
          .setConnectTimeout(10_000)
          .setTcpNoDelay(true)
          .setMaxFrameSize(1 << 20)
          .setMaxMessageSize(1 << 20)));
    }
  }

  Vertx vertx() {
    return vertx;
  }

  /** Result of opening connections: the sessions that became ready and how long it took. */
  record Opened(List<Session> sessions, int failed, double seconds) {

    double perSecond() {
      return sessions.size() / seconds;
    }
  }

  /**
   * Opens {@code n} connections to the target, at most {@code inFlight} handshakes at a time,
   * and waits (at most {@code timeoutMs}) until each is ready or failed.
   */
  Opened open(Target target, int port, int n, int inFlight, Deliveries deliveries, long timeoutMs)
      throws InterruptedException {
    List<Session> sessions = Collections.synchronizedList(new ArrayList<>(n));
    AtomicInteger failed = new AtomicInteger();
    Semaphore window = new Semaphore(inFlight);
    CountDownLatch done = new CountDownLatch(n);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !window.tryAcquire(left, TimeUnit.NANOSECONDS)) {
        failed.addAndGet(n - i);
        for (int k = i; k < n; k++) {
          done.countDown();
        }
        break;
      }
      WebSocketClient client = clients.get(i % clients.size());
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(port).setURI(target.path).setTimeout(10_000);
      client.connect(options)
          .compose(ws -> {
            Session s = new Session(target, ws, deliveries);
            return s.ready().map(s);
          })
          .onComplete(ar -> {
            if (ar.succeeded()) {
              sessions.add(ar.result());
            } else {
              failed.incrementAndGet();
            }
            window.release();
            done.countDown();
          });
    }
    done.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    synchronized (sessions) {
      return new Opened(new ArrayList<>(sessions), failed.get() + (int) done.getCount(), seconds);
    }
  }

  /**
   * One WebSocket to 127.0.0.1:{@code port}{@code uri} from source address number
   * {@code index} (mod the number of source addresses).
   */
  Future<io.vertx.core.http.WebSocket> connect(int port, String uri, int index) {
    return clients.get(index % clients.size()).connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI(uri).setTimeout(10_000));
  }

  /** Subscribes every session to the channel; returns how many got their receipt in time. */
  int subscribe(List<Session> sessions, String channel, int inFlight, long timeoutMs)
      throws InterruptedException {
    Semaphore window = new Semaphore(inFlight);
    AtomicInteger ok = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(sessions.size());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    for (Session s : sessions) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !window.tryAcquire(left, TimeUnit.NANOSECONDS)) {
        break;
      }
      s.subscribe(channel).onComplete(ar -> {
        if (ar.succeeded()) {
          ok.incrementAndGet();
        }
        window.release();
        done.countDown();
      });
    }
    done.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    return ok.get();
  }

  /** Closes the sessions and waits (bounded) until their close handshakes ended. */
  void closeAll(List<Session> sessions, long timeoutMs) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(sessions.size());
    for (Session s : sessions) {
      s.socket().close().onComplete(ar -> done.countDown());
    }
    done.await(timeoutMs, TimeUnit.MILLISECONDS);
  }

  <T> T await(Future<T> f, long timeoutMs) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
  }

  static <T> Promise<T> promise() {
    return Promise.promise();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the generator is going away anyway
    }
  }
}
