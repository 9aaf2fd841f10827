package dev.gateway.cluster;

import static dev.gateway.support.ProcessCluster.FAILURE_DETECTION_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.BridgeClient;
import dev.gateway.support.ProcessCluster;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three gateway JVMs; one is SIGKILLed in the middle of a broadcast. The survivors' subscribers
 * miss nothing, the survivors see the member leave within the failure detection (+2 s), the dead
 * node's registrations vanish from the cluster, and its clients move to another node.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NodeLossIT {

  /**
   * A channel without history (history channels are sequenced by one node, whose loss takes the
   * publications in flight to it: HistoryChaosIT covers that with publishers that retry).
   */
  static final String CHANNEL = "live.nodeloss";
  /** Registered by a client of node 3 only. */
  static final String ONLY_ON_3 = "chat.only-on-3";
  static final long DETECTION_BOUND_MS = FAILURE_DETECTION_MS + 2_000;

  /**
   * Three nodes; clients may send anywhere, channels included (the probe below is a request to a
   * channel, which the channel's consumer refuses): the unsafe configuration, where channels and
   * services are not kept apart; requests time out after 500 ms.
   */
  @RegisterExtension
  final ProcessCluster cluster = ProcessCluster.of(3, Map.of("GATEWAY_PERMISSIONS_SEND", "*",
      "GATEWAY_PERMISSIONS_SUBSCRIBE", "*", "GATEWAY_PERMISSIONS_ALLOW_ANY_SUBSCRIBE", "true",
      "GATEWAY_PERMISSIONS_PUBLISH", "chat.*,live.*", "GATEWAY_REQUEST_TIMEOUT_MS", "500"));

  @Test
  void killingANodeMidBroadcastLosesNothingForSurvivorsAndItsClientsMoveOn() throws Exception {
    GatewayProcess n1 = cluster.node(0);
    GatewayProcess n2 = cluster.node(1);
    GatewayProcess n3 = cluster.node(2);

    BridgeClient publisher = connect(n1);
    BridgeClient requester = connect(n1);
    connect(n3).register(ONLY_ON_3);
    SequenceCollector s1 = collect("node1-subscriber", connect(n1).register(CHANNEL));
    SequenceCollector s2 = collect("node2-subscriber", connect(n2).register(CHANNEL));
    BridgeClient sub3 = connect(n3).register(CHANNEL);
    SequenceCollector s3 = collect("node3-subscriber", sub3);

    // node 1 routes requests for node 3's address to node 3 (whose channel consumer refuses them)
    JsonObject viaNode3 = pollRequest(requester, ONLY_ON_3,
        r -> "RECIPIENT_FAILURE".equals(r.getString("failureType")), 15_000);
    assertNotNull(viaNode3, "a request from node 1 to node 3's channel never reached node 3");
    assertEquals(405, viaNode3.getInteger("failureCode"), viaNode3.encode());

    warmUp(publisher, List.of(s1, s2, s3));

    AtomicLong lastSeq = new AtomicLong();
    AtomicBoolean publishing = new AtomicBoolean(true);
    Thread pacer = new Thread(() -> publishAt200PerSecond(publisher, lastSeq, publishing), "pacer");
    pacer.start();
    try {
      assertTrue(Await.until(() -> s1.count() >= 200, 10_000), "node 1's subscriber got "
          + s1.count() + " messages in 10 s");

      long killedAt = System.nanoTime();
      long seqAtKill = lastSeq.get();
      n3.kill9();
      // requests from node 1 to node 3's address, one after the other, until NO_HANDLERS
      List<String> answers = new ArrayList<>();
      CompletableFuture<Long> noHandlers = CompletableFuture.supplyAsync(() -> {
        while (Await.millisSince(killedAt) < 20_000) {
          long sentMs = Await.millisSince(killedAt);
          JsonObject r = SequenceCollector.request(requester, ONLY_ON_3, 3);
          String type = r == null ? "no answer" : r.getString("failureType", r.getString("type"));
          if (answers.isEmpty() || !answers.get(answers.size() - 1).startsWith(type + " ")) {
            answers.add(type + " (first sent at " + sentMs + " ms)");
          }
          if ("NO_HANDLERS".equals(type)) {
            return sentMs;
          }
          Await.pause(50);
        }
        return -1L;
      });

      long closedMs = -1;
      long members1Ms = -1;
      long members2Ms = -1;
      long deadline = killedAt + TimeUnit.SECONDS.toNanos(20);
      while ((closedMs < 0 || members1Ms < 0 || members2Ms < 0) && System.nanoTime() < deadline) {
        if (closedMs < 0 && sub3.socket.isClosed()) {
          closedMs = Await.millisSince(killedAt);
        }
        if (members1Ms < 0 && n1.metric("gateway_cluster_members") == 2) {
          members1Ms = Await.millisSince(killedAt);
        }
        if (members2Ms < 0 && n2.metric("gateway_cluster_members") == 2) {
          members2Ms = Await.millisSince(killedAt);
        }
        Await.pause(50);
      }
      long noHandlersMs = noHandlers.get(25, TimeUnit.SECONDS);
      System.out.printf("NodeLossIT: kill -9 node 3 at seq %d; its client's socket closed after %d ms;"
              + " gateway_cluster_members=2 on node 1 after %d ms, on node 2 after %d ms;"
              + " requests from node 1 to node 3's address: %s; first NO_HANDLERS for a request"
              + " sent %d ms after the kill (bound %d ms)%n",
          seqAtKill, closedMs, members1Ms, members2Ms, answers, noHandlersMs, DETECTION_BOUND_MS);

      assertTrue(closedMs >= 0, "node 3's client still sees an open socket 20 s after kill -9");
      assertTrue(members1Ms >= 0 && members1Ms <= DETECTION_BOUND_MS,
          "node 1 saw 2 members after " + members1Ms + " ms (-1 = not within 20 s), bound "
              + DETECTION_BOUND_MS + " ms");
      assertTrue(members2Ms >= 0 && members2Ms <= DETECTION_BOUND_MS,
          "node 2 saw 2 members after " + members2Ms + " ms (-1 = not within 20 s), bound "
              + DETECTION_BOUND_MS + " ms");
      assertTrue(noHandlersMs >= 0 && noHandlersMs <= DETECTION_BOUND_MS,
          "a request from node 1 to the address only node 3 registered failed with NO_HANDLERS when"
              + " sent " + noHandlersMs + " ms after the kill (-1 = not within 20 s): node 3's"
              + " registration outlived it; answers " + answers);

      // node 3's client reconnects to node 2 and registers again
      long reconnectStart = System.nanoTime();
      BridgeClient moved = connect(n2).register(CHANNEL);
      long seqAtAck = lastSeq.get();
      SequenceCollector s3moved = collect("node3-subscriber-on-node2", moved);
      System.out.printf("NodeLossIT: node 3's subscriber reconnected to node 2 and registered in %d ms"
          + " (publisher at seq %d)%n", Await.millisSince(reconnectStart), seqAtAck);
      long until = seqAtAck + 200;
      assertTrue(Await.until(() -> lastSeq.get() >= until, 10_000), "publisher stalled");
      publishing.set(false);
      pacer.join(5_000);
      long last = lastSeq.get();

      for (SequenceCollector s : List.of(s1, s2, s3moved)) {
        assertTrue(s.awaitSeq(last, 15), s.label + " did not receive the last message " + last
            + " (received " + s.count() + ")");
      }
      assertNull(s1.deviationFrom(1, last));
      assertNull(s2.deviationFrom(1, last));
      List<Long> dead = s3.seqs();
      assertNull(s3.deviationFrom(1, dead.isEmpty() ? 0 : dead.get(dead.size() - 1)),
          "node 3's subscriber, before the kill, must have an unbroken prefix");
      List<Long> after = s3moved.seqs();
      assertTrue(!after.isEmpty() && after.get(0) <= seqAtAck + 1, "after re-registering on node 2 the"
          + " first message was " + (after.isEmpty() ? "none" : after.get(0)) + ", publisher was at "
          + seqAtAck + " when the ack came");
      assertNull(s3moved.deviationFrom(after.get(0), last));
      System.out.printf("NodeLossIT: survivors received 1..%d complete and in order; node 3's"
          + " subscriber got 1..%d before the kill and %d..%d after moving to node 2%n",
          last, dead.isEmpty() ? 0 : dead.get(dead.size() - 1), after.get(0), last);
    } finally {
      publishing.set(false);
      pacer.join(5_000);
    }
  }

  private BridgeClient connect(GatewayProcess node) {
    return cluster.connect(node);
  }

  /** A collector of the client's messages, closed (after the test) before the client. */
  private SequenceCollector collect(String label, BridgeClient c) {
    return cluster.closeAfter(new SequenceCollector(label, c, CHANNEL));
  }

  /** Publishes warm-up messages until every collector got one (cluster routes settled). */
  static void warmUp(BridgeClient publisher, List<SequenceCollector> all) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    int i = 0;
    while (!all.stream().allMatch(SequenceCollector::warm)) {
      assertTrue(System.nanoTime() < deadline, "warm-up messages from node 1 did not reach every node");
      publisher.publish(CHANNEL, new JsonObject().put("warm", i++));
      Await.pause(100);
    }
  }

  static void publishAt200PerSecond(BridgeClient publisher, AtomicLong lastSeq, AtomicBoolean on) {
    long next = System.nanoTime();
    while (on.get()) {
      long seq = lastSeq.get() + 1;
      publisher.publish(CHANNEL, new JsonObject().put("seq", seq));
      lastSeq.set(seq);
      next += 5_000_000L;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  /** Repeats the request until an answer matches; the matching answer, or null at the deadline. */
  static JsonObject pollRequest(BridgeClient c, String address,
                                java.util.function.Predicate<JsonObject> match, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      JsonObject r = SequenceCollector.request(c, address, 3);
      if (r != null && match.test(r)) {
        return r;
      }
      Await.pause(50);
    }
    return null;
  }

}
