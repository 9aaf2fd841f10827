package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.BitSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A healthy client next to a hostile one: a {@link BridgeClient} on {@code /ws} registered to
 * its own channel, and a backend publishing a numbered message to that channel every 20 ms on
 * the node's event bus. {@link #assertReceivedAll} stops the publishing and checks that every
 * message arrived and the client is still open.
 */
final class Neighbour implements AutoCloseable {

  private final BridgeClient client;
  private final String address;
  private final ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger published = new AtomicInteger();

  private Neighbour(BridgeClient client, String address) {
    this.client = client;
    this.address = address;
  }

  /** Connects (with a Bearer token when {@code token} is not null), registers, starts publishing. */
  static Neighbour start(Vertx clients, TestGateway gw, String address, String token) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port).setURI("/ws");
    if (token != null) {
      o.addHeader("Authorization", "Bearer " + token);
    }
    BridgeClient c = BridgeClient.connect(clients, o);
    c.register(address);
    Neighbour n = new Neighbour(c, address);
    n.publisher.scheduleAtFixedRate(() -> gw.vertx.eventBus().publish(address,
        new JsonObject().put("seq", n.published.getAndIncrement())), 0, 20, TimeUnit.MILLISECONDS);
    return n;
  }

  /**
   * Stops publishing (after at least 25 messages) and waits up to 5 s for every message
   * published; fails naming the first missing one, or if the client was closed.
   */
  void assertReceivedAll(String during) {
    try {
      while (published.get() < 25) { // at least half a second of traffic, whatever the test did
        Thread.sleep(20);
      }
      publisher.shutdownNow();
      publisher.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int total = published.get();
    BitSet seen = new BitSet(total);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (seen.cardinality() < total && System.nanoTime() < deadline) {
      JsonObject m = client.awaitRec(address, 1);
      if (m != null && m.getValue("body") instanceof JsonObject body) {
        seen.set(body.getInteger("seq"));
      }
    }
    assertNull(client.awaitClose(0), "the healthy neighbour was closed " + during + ": " + client.closeReason());
    assertEquals(total, seen.cardinality(), "messages the healthy neighbour received " + during
        + " (first missing: " + seen.nextClearBit(0) + ")");
  }

  @Override
  public void close() {
    publisher.shutdownNow();
    client.close();
  }
}
