package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * limits.maxPendingRequests: with that many requests in flight the gateway stops reading the
 * connection (TCP pushes back on the client) and reads again once half of them finished.
 */
class PendingRequestsTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("permissions", new JsonObject().put("send", new JsonArray().add("slow.*")))
      .put("limits", new JsonObject().put("maxPendingRequests", 2).put("requestTimeoutMs", 1500)));

  @BeforeAll
  static void slowService() throws Exception {
    // a backend that never answers: requests end by timeout
    gw.node().vertx.eventBus().consumer("slow.service", msg -> { }).completion()
        .await(5, TimeUnit.SECONDS);
  }

  @Test
  void readingPausesAtTheCapAndResumesWhenRequestsFinish() {
    String paused = "gateway_reads_paused_total{transport=\"websocket\"}";
    double pausedBefore = gw.metric(paused);
    try (BridgeClient c = gw.connect()) {
      for (int i = 0; i < 2; i++) {
        c.send(new JsonObject().put("type", "send").put("address", "slow.service").put("body", i)
            .put("replyAddress", "r" + i));
      }
      // read only once the two requests have timed out
      c.send(new JsonObject().put("type", "register").put("address", "chat.after").put("ack", "late"));
      assertNull(c.await(m -> "late".equals(m.getString("ack")), 1),
          "the register was read while two requests were in flight");
      JsonObject timeout = c.await(m -> "r0".equals(m.getString("address")), 5);
      assertNotNull(timeout, "the first request never ended");
      assertEquals("TIMEOUT", timeout.getString("failureType"), timeout.encode());
      assertNotNull(c.await(m -> "late".equals(m.getString("ack")), 5),
          "reading did not resume after the requests finished");
    }
    // at least once; the register read after the first timeout may pause it once more
    assertTrue(gw.metric(paused) >= pausedBefore + 1, "reads paused counter did not move");
  }
}
