package dev.gateway.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replay larger than a connection may hold while it reads (four times its outbound queue) is
 * answered recovered:false rather than taken on; one that fits is written whole, though larger
 * than the queue itself.
 */
class ReplayBudgetTest {

  static final int QUEUE = 4096;
  static final String TOO_LARGE = "gateway_recoveries_total{outcome=\"too_large\"}";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("limits", new JsonObject().put("outboundQueueBytes", QUEUE)));

  private static JsonObject register(BridgeClient c, String address, long since, String epoch) {
    c.send(new JsonObject().put("type", "register").put("address", address).put("ack", "r")
        .put("headers", new JsonObject().put("gateway.since", Long.toString(since))
            .put("gateway.epoch", epoch)));
    JsonObject ack = c.await(m -> "ack".equals(m.getString("type")), 10);
    assertNotNull(ack, "no ack for the register");
    return ack;
  }

  @Test
  void aReplayOverTheBudgetIsNotRecoveredAndOneWithinItIsWrittenWhole() {
    String address = "chat.budget";
    String epoch = null;
    try (BridgeClient publisher = gw.connect()) {
      for (int i = 1; i <= 100; i++) {
        publisher.send(new JsonObject().put("type", "publish").put("address", address)
            .put("ack", "p" + i).put("body", new JsonObject().put("n", i).put("pad", "x".repeat(300))));
        JsonObject ack = publisher.await(m -> "ack".equals(m.getString("type")), 10);
        assertNotNull(ack, "publish " + i + " not acked");
        epoch = ack.getString("epoch");
      }
    }
    double tooLargeBefore = gw.metric(TOO_LARGE);
    try (BridgeClient all = gw.connect()) {
      // 100 x ~380 bytes: more than 4 x 4096 may wait
      JsonObject ack = register(all, address, 0, epoch);
      assertFalse(ack.getBoolean("recovered"), ack.encode());
      assertEquals("100", ack.getString("offset"), ack.encode());
      assertTrue(all.drain().stream().noneMatch(m -> "rec".equals(m.getString("type"))),
          "nothing replayed after recovered:false");
    }
    assertEquals(tooLargeBefore + 1, gw.metric(TOO_LARGE), 0.0);
    try (BridgeClient some = gw.connect()) {
      // 30 x ~380 bytes: nearly three queues, within the budget, written as the client reads
      JsonObject ack = register(some, address, 70, epoch);
      assertTrue(ack.getBoolean("recovered"), ack.encode());
      List<JsonObject> recs = some.collectRecs(address, 30, System.nanoTime() + 10_000_000_000L);
      assertEquals(30, recs.size(), "the whole replay");
      for (int i = 0; i < 30; i++) {
        assertEquals(Long.toString(71 + i), recs.get(i).getJsonObject("headers")
            .getString("gateway.offset"));
      }
    }
  }
}
