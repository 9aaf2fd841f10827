package dev.gateway.presence;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load-generator process of the presence scale test ({@link PresenceScaleIT}): it opens one
 * native WebSocket per line of a file ({@code PORT TOKEN}: a gateway node on 127.0.0.1 and the
 * member's token), from a source address of its own, {@link #IN_FLIGHT} at a time, registers
 * each to the channel with an ack, and prints {@code READY n} (or {@code FAILED reason}) on
 * stdout. It then holds the connections until its stdin ends (its parent closed it or died) or
 * {@code maxSeconds} have passed, whichever is first, and exits: it never outlives the test.
 *
 * <p>Usage: {@code MemberLoad FILE CHANNEL SOURCE_ADDRESS MAX_SECONDS}.
 */
public final class MemberLoad {

  static final int IN_FLIGHT = 64;

  private MemberLoad() {
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    String channel = args[1];
    String source = args[2];
    long maxSeconds = Long.parseLong(args[3]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    Thread guard = new Thread(MemberLoad::exitWhenStdinEnds, "member-load-guard");
    guard.setDaemon(true);
    guard.start();
    List<String[]> members = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        members.add(line.trim().split(" ", 2));
      }
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)
        .setBlockedThreadCheckInterval(10_000));
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setLocalAddress(source).setMaxConnections(members.size() + 1).setConnectTimeout(20_000));
    String failure = open(client, members, channel, maxSeconds);
    System.out.println(failure == null ? "READY " + members.size() : "FAILED " + failure);
    System.out.flush();
    long left = deadline - System.nanoTime();
    if (left > 0) {
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
    }
    System.exit(0);
  }

  /** Opens and registers every member; null when all are registered, else what went wrong. */
  private static String open(WebSocketClient client, List<String[]> members, String channel,
                             long maxSeconds) throws InterruptedException {
    Semaphore window = new Semaphore(IN_FLIGHT);
    CountDownLatch done = new CountDownLatch(members.size());
    AtomicInteger failed = new AtomicInteger();
    Map<String, String> firstError = new ConcurrentHashMap<>();
    for (int i = 0; i < members.size(); i++) {
      window.acquire();
      String id = "m" + i;
      String[] m = members.get(i);
      WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(Integer.parseInt(m[0])).setURI("/ws").setTimeout(20_000)
          .addHeader("Authorization", "Bearer " + m[1]);
      client.connect(o).compose(ws -> register(ws, channel, id)).onComplete(ar -> {
        if (ar.failed()) {
          failed.incrementAndGet();
          firstError.putIfAbsent("error", ar.cause().toString());
        }
        window.release();
        done.countDown();
      });
    }
    if (!done.await(maxSeconds, TimeUnit.SECONDS)) {
      return done.getCount() + " of " + members.size() + " not registered in time";
    }
    return failed.get() == 0 ? null : failed.get() + " of " + members.size() + " failed, first: "
        + firstError.get("error");
  }

  /** Sends the register and completes on its ack (fails on an err or a close before it). */
  private static io.vertx.core.Future<Void> register(WebSocket ws, String channel, String id) {
    io.vertx.core.Promise<Void> acked = io.vertx.core.Promise.promise();
    ws.textMessageHandler(text -> {
      JsonObject m = new JsonObject(text);
      if (!id.equals(m.getValue("ack"))) {
        return; // no events were asked for: nothing else is expected
      }
      if ("ack".equals(m.getString("type"))) {
        acked.tryComplete();
      } else {
        acked.tryFail("register answered " + text);
      }
    });
    ws.closeHandler(v -> acked.tryFail("closed before the ack: " + ws.closeStatusCode()));
    ws.exceptionHandler(e -> { });
    ws.writeTextMessage(new JsonObject().put("type", "register").put("address", channel)
        .put("ack", id).encode());
    return acked.future();
  }

  /** Exits once stdin ends: the parent closed it, or died. */
  private static void exitWhenStdinEnds() {
    InputStream in = System.in;
    try {
      while (in.read() >= 0) {
        // nothing is expected on stdin but its end
      }
    } catch (IOException e) {
      // the pipe broke: the parent is gone too
    }
    System.exit(0);
  }
}
