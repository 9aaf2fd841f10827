package dev.gateway.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stream position comes from the channel's sequencer only: a message on the event bus that
 * names an offset and epoch of a history channel without the broadcast tag the cluster secret
 * makes (what anyone who reaches the event-bus port could send) is neither delivered nor allowed
 * to displace the publication that really has that offset, and is counted.
 */
class ForgedPositionTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("chat.*").add("plain.*")))
      .put("history", new JsonObject().put("channels", new JsonArray()
          .add("chat.* size=100 maxBytes=100000 ttlSeconds=300"))));

  static final String REJECTED = "gateway_cluster_messages_rejected_total{reason=\"bad_broadcast\"}";

  @Test
  void aPositionWithoutTheSequencersTagIsRefusedAndCounted() {
    String channel = GatewayExtension.fresh("chat.forged");
    try (BridgeClient subscriber = gw.connect()) {
      subscriber.register(channel);
      assertEquals(202, gw.publish(channel, new JsonObject().put("text", "first")));
      JsonObject first = subscriber.awaitRec(channel, 10);
      String epoch = first.getJsonObject("headers").getString("gateway.epoch");
      assertEquals("1", first.getJsonObject("headers").getString("gateway.offset"), first.encode());
      double rejectedBefore = gw.metric(REJECTED);

      // the next offset, with the right epoch, untagged and then with a made-up tag
      for (String tag : new String[] {null, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
        DeliveryOptions forged = new DeliveryOptions().addHeader("gateway.offset", "2")
            .addHeader("gateway.epoch", epoch);
        if (tag != null) {
          forged.addHeader("gateway.seal", tag);
        }
        gw.node().vertx.eventBus().publish(channel, new JsonObject().put("text", "forged"), forged);
      }
      assertEquals(rejectedBefore + 2, gw.awaitMetric(REJECTED, v -> v >= rejectedBefore + 2, 10),
          "the forgeries were not refused");
      assertEquals(202, gw.publish(channel, new JsonObject().put("text", "second")));

      JsonObject second = subscriber.awaitRec(channel, 10);
      assertEquals("second", second.getJsonObject("body").getString("text"), "the forgery took offset 2: " + second);
      assertEquals("2", second.getJsonObject("headers").getString("gateway.offset"));
      assertNull(second.getJsonObject("headers").getString("gateway.seal"), "the tag reached a client");
      assertEquals(rejectedBefore + 2, gw.metric(REJECTED), "each forgery counted once");
      assertTrue(subscriber.drain().stream().noneMatch(m -> "rec".equals(m.getString("type"))),
          "something else was delivered");
    }
  }

  @Test
  void positionHeadersWithoutTheTagReachNoClientOnAnyChannel() {
    String plain = GatewayExtension.fresh("plain.forged"); // a channel without history
    String kept = GatewayExtension.fresh("chat.forged");
    try (BridgeClient subscriber = gw.connect()) {
      subscriber.register(plain);
      subscriber.register(kept);
      double rejectedBefore = gw.metric(REJECTED);
      var bus = gw.node().vertx.eventBus();
      bus.publish(plain, "forged", new DeliveryOptions().addHeader("gateway.offset", "9")
          .addHeader("gateway.epoch", "e"));
      bus.publish(plain, "forged", new DeliveryOptions().addHeader("gateway.epoch", "e"));
      bus.publish(kept, "forged", new DeliveryOptions().addHeader("gateway.epoch", "e"));
      bus.publish(kept, "forged", new DeliveryOptions().addHeader("gateway.offset", "x"));
      assertEquals(rejectedBefore + 4, gw.awaitMetric(REJECTED, v -> v >= rejectedBefore + 4, 10),
          "the forgeries were not refused");
      // a plain publish without position headers still arrives (positive control)
      bus.publish(plain, "plain");
      JsonObject rec = subscriber.awaitRec(plain, 10);
      assertEquals("plain", rec.getString("body"), "a forgery was delivered: " + rec);
      assertNull(rec.getJsonObject("headers"), rec.encode());
    }
  }
}
