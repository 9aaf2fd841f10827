package dev.gateway.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Recovery on one node: a client that registers with the position of the last publication it
 * has gets everything after it, in order, then the live ones, with no gap and no duplicate at the
 * seam, whenever it registers while publications flow.
 */
class RecoveryTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("limits", new JsonObject().put("messagesPerSecond", 100_000).put("messageBurst", 100_000))
      .put("history", new JsonObject().put("channels", new io.vertx.core.json.JsonArray()
          .add("chat.* size=2000 maxBytes=10000000 ttlSeconds=300"))));

  static JsonObject register(String address, String ack, String since, String epoch) {
    JsonObject m = new JsonObject().put("type", "register").put("address", address).put("ack", ack);
    if (since != null) {
      m.put("headers", new JsonObject().put("gateway.since", since).put("gateway.epoch", epoch));
    }
    return m;
  }

  static long offsetOf(JsonObject rec) {
    return Long.parseLong(rec.getJsonObject("headers").getString("gateway.offset"));
  }

  @Test
  void registersWithAPositionAtRandomMomentsSeeEveryOffsetOnceInOrder() throws Exception {
    String channel = GatewayExtension.fresh("chat.seam");
    int total = 1_000;
    try (BridgeClient publisher = gw.connect(); BridgeClient first = gw.connect()) {
      first.send(register(channel, "f", null, null));
      JsonObject ack = first.await(m -> "ack".equals(m.getString("type")), 10);
      assertEquals("0", ack.getString("offset"), "nothing published yet: " + ack);
      Thread publishing = new Thread(() -> {
        for (int i = 1; i <= total; i++) {
          publisher.publish(channel, new JsonObject().put("i", i));
          if (i % 50 == 0) {
            try {
              Thread.sleep(5);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      });
      publishing.start();
      // clients that join at random moments with the position of a message they saw
      List<BridgeClient> late = new ArrayList<>();
      List<Long> since = new ArrayList<>();
      String epoch = null;
      for (int k = 0; k < 8; k++) {
        Thread.sleep(ThreadLocalRandom.current().nextInt(5, 40));
        JsonObject seen = first.awaitRec(channel, 10);
        assertNotNull(seen);
        epoch = seen.getJsonObject("headers").getString("gateway.epoch");
        long at = offsetOf(seen) - ThreadLocalRandom.current().nextInt(0, 20);
        BridgeClient c = gw.connect();
        c.send(register(channel, "late" + k, Long.toString(Math.max(0, at)), epoch));
        late.add(c);
        since.add(Math.max(0, at));
      }
      publishing.join(30_000);
      for (int k = 0; k < late.size(); k++) {
        BridgeClient c = late.get(k);
        JsonObject recovery = c.await(m -> "ack".equals(m.getString("type")), 10);
        assertEquals(Boolean.TRUE, recovery.getBoolean("recovered"), "recovery " + k + ": " + recovery);
        long expect = since.get(k) + 1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (expect <= total && System.nanoTime() < deadline) {
          JsonObject m = c.next(5);
          if (m == null || !"rec".equals(m.getString("type"))) {
            continue;
          }
          assertEquals(expect, offsetOf(m), "client " + k + " (since " + since.get(k) + ")");
          assertEquals(expect, m.getJsonObject("body").getLong("i"), "offset and body agree");
          expect++;
        }
        assertEquals(total + 1, expect, "client " + k + " saw every offset after " + since.get(k));
        c.close();
      }
    }
  }

  @Test
  void aPositionThatCannotBeServedWholeIsNotRecovered() throws Exception {
    String channel = GatewayExtension.fresh("chat.lost");
    try (BridgeClient c = gw.connect()) {
      c.send(register(channel, "a", null, null));
      c.await(m -> "ack".equals(m.getString("type")), 10);
      c.publish(channel, new JsonObject().put("x", 1));
      JsonObject rec = c.awaitRec(channel, 10);
      String epoch = rec.getJsonObject("headers").getString("gateway.epoch");
      try (BridgeClient other = gw.connect(); BridgeClient beyond = gw.connect()) {
        other.send(register(channel, "b", "1", "not-" + epoch));
        JsonObject ack = other.await(m -> "ack".equals(m.getString("type")), 10);
        assertEquals(Boolean.FALSE, ack.getBoolean("recovered"), "another epoch: " + ack);
        assertEquals("1", ack.getString("offset"));
        assertEquals(epoch, ack.getString("epoch"));
        beyond.send(register(channel, "c", "5", epoch));
        ack = beyond.await(m -> "ack".equals(m.getString("type")), 10);
        assertFalse(ack.getBoolean("recovered"), "beyond the current position: " + ack);
      }
    }
  }

  @Test
  void sinceOnAChannelWithoutHistoryRegistersAndSaysSo() throws Exception {
    // the same node with a non-history channel: news.* keeps none here
    try (BridgeClient c = gw.connect()) {
      c.send(new JsonObject().put("type", "register").put("address", "clock")
          .put("headers", new JsonObject().put("gateway.since", "3").put("gateway.epoch", "e")));
      JsonObject ack = c.await(m -> "ack".equals(m.getString("type")), 10);
      assertEquals("no_history", ack.getString("reason"), ack.encode());
      assertFalse(ack.getBoolean("recovered"));
      assertTrue(!ack.containsKey("ack"), "no id was given: " + ack);
    }
  }

  @Test
  void malformedPositionsAreRefusedAndRegisterNothing() throws Exception {
    try (BridgeClient c = gw.connect()) {
      for (JsonObject headers : List.of(new JsonObject().put("gateway.since", "1"),
          new JsonObject().put("gateway.since", "x").put("gateway.epoch", "e"),
          new JsonObject().put("gateway.since", 1).put("gateway.epoch", "e"),
          new JsonObject().put("gateway.since", "-1").put("gateway.epoch", "e"),
          new JsonObject().put("gateway.since", "99999999999999999999").put("gateway.epoch", "e"),
          new JsonObject().put("gateway.offset", "1"))) {
        c.send(new JsonObject().put("type", "register").put("address", "chat.bad").put("ack", "z")
            .put("headers", headers));
        JsonObject err = c.await(m -> "err".equals(m.getString("type")), 10);
        assertTrue(List.of("invalid_position", "invalid_field").contains(err.getString("body")),
            headers + " -> " + err);
      }
      assertTrue(c.drain().stream().noneMatch(m -> "ack".equals(m.getString("type"))));
    }
  }
}
