package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-connection token bucket (10/s, burst 20): refused messages get {@code err rate_limited},
 * persistent abuse (more than 30 refusals in 10 s) closes with 4003, other clients are unaffected.
 */
class RateLimitTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("clockIntervalMs", 100))
      .put("limits", new JsonObject().put("messagesPerSecond", 10).put("messageBurst", 20)
          .put("rateLimitStrikes", 30)));

  private static boolean isRateLimited(JsonObject m) {
    return "err".equals(m.getString("type")) && "rate_limited".equals(m.getString("body"));
  }

  @Test
  void burstAcceptedThenRefusedThenAcceptedAgainAfterRefill() throws InterruptedException {
    try (BridgeClient sub = gw.connect();
         BridgeClient pub = gw.connect()) {
      sub.register("chat.rl.burst");
      int sent = 25;
      long started = System.nanoTime();
      for (int i = 0; i < sent; i++) {
        pub.publish("chat.rl.burst", i);
      }
      List<Integer> delivered = new ArrayList<>();
      int refused = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (delivered.size() + refused < sent && System.nanoTime() < deadline) {
        JsonObject rec = sub.next(0);
        if (rec != null && "rec".equals(rec.getString("type"))) {
          delivered.add(rec.getInteger("body"));
        }
        JsonObject err = pub.next(0);
        if (err != null) {
          assertTrue(isRateLimited(err), "unexpected reply " + err.encode());
          refused++;
        }
        if (rec == null && err == null) {
          Thread.sleep(5);
        }
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertEquals(sent, delivered.size() + refused, "every publish is delivered or refused: "
          + delivered + ", refused " + refused);
      // the whole burst passes, in order; beyond it only what refilled (10/s) while they arrived
      long refill = elapsedMs / 100 + 1;
      assertTrue(delivered.size() >= 20 && delivered.size() <= 20 + refill,
          "delivered " + delivered + " in " + elapsedMs + " ms");
      for (int i = 0; i < delivered.size(); i++) {
        assertTrue(i < 20 ? delivered.get(i) == i : delivered.get(i) > delivered.get(i - 1),
            "the first 20 pass in order: " + delivered);
      }
      assertTrue(refused >= 1, "refused " + refused);

      // the bucket refills at 10/s: a publish a little later is accepted again
      JsonObject again = null;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      for (int k = 0; again == null && System.nanoTime() < until; k++) {
        pub.publish("chat.rl.burst", 1000 + k);
        again = sub.await(m -> "rec".equals(m.getString("type")) && m.getInteger("body") >= 1000, 1);
      }
      assertNotNull(again, "no publish accepted after the refill");
      assertNull(pub.awaitClose(0), "publisher must not be closed for a short burst");
    }
  }

  @Test
  void floodClosesWith4003AndOtherClientsKeepReceiving() throws Exception {
    String closed = "gateway_connections_closed_total{reason=\"rate_limited\",transport=\"websocket\"}";
    double closedBefore = gw.metric(closed);
    double errorsBefore = gw.metric("gateway_client_errors_total{code=\"rate_limited\"}");
    try (BridgeClient bystander = gw.connect();
         BridgeClient flooder = gw.connect()) {
      bystander.register("clock");
      bystander.register("chat.rl.other");
      assertNotNull(bystander.awaitRec("clock", 5), "bystander gets clock ticks");

      for (int i = 0; i < 200; i++) {
        flooder.publish("chat.rl.flood", i);
      }
      Short code = flooder.awaitClose(5);
      assertNotNull(code, "flooder not closed");
      assertEquals(4003, code.intValue(), "close reason " + flooder.closeReason());
      int refused = 0;
      for (JsonObject m = flooder.next(0); m != null; m = flooder.next(0)) {
        if (isRateLimited(m)) {
          refused++;
        }
      }
      // 30 refusals are answered; the 31st closes the connection
      assertEquals(30, refused, "err rate_limited before the close");
      assertEquals(closedBefore + 1, gw.metric(closed), 0.0);
      assertEquals(errorsBefore + 30,
          gw.metric("gateway_client_errors_total{code=\"rate_limited\"}"), 0.0);

      // the bystander is untouched: still open, still receiving broadcasts and its own publishes
      drain(bystander);
      assertNotNull(bystander.awaitRec("clock", 5), "bystander stopped receiving the clock");
      HttpResponse<String> api = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
          .send(HttpRequest.newBuilder(URI.create(gw.url("/api/publish")))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(
                  "{\"address\":\"chat.rl.other\",\"body\":\"from-api\"}")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(202, api.statusCode(), api.body());
      JsonObject fromApi = bystander.awaitRec("chat.rl.other", 5);
      assertNotNull(fromApi, "bystander missed an API publish");
      assertEquals("from-api", fromApi.getString("body"));
      bystander.publish("chat.rl.other", "own");
      JsonObject own = bystander.awaitRec("chat.rl.other", 5);
      assertNotNull(own, "bystander's own publish refused");
      assertEquals("own", own.getString("body"));
      assertNull(bystander.awaitClose(0));
    }
  }

  private static void drain(BridgeClient c) {
    while (c.next(0) != null) {
      // discard what arrived so far
    }
  }
}
