package dev.gateway.connection;

import static dev.gateway.connection.ByteRateLimitTest.publishOf;
import static dev.gateway.connection.ByteRateLimitTest.received;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The byte rate with its defaults (64 KiB/s, burst 512 KiB): an anonymous client can no longer
 * publish big messages as fast as the message rate allows (100/s of up to 256 KiB each, every
 * one fanned out to every subscriber of the channel).
 */
class ByteRateDefaultsTest {

  @RegisterExtension
  static final GatewayExtension defaults = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false)));

  /** Big messages, few enough for the message rate. */
  @Test
  void withTheDefaultsAFloodOfBigMessagesStopsAtTheBurst() {
    try (BridgeClient sub = defaults.connect().register("chat.big");
         BridgeClient pub = defaults.connect()) {
      // 12 messages of 60 kB (720 kB, well under the message rate): 8 fit in 512 KiB, and
      // 64 KiB/s refill about one more per second
      long started = System.nanoTime();
      for (int i = 0; i < 12; i++) {
        pub.socket.writeTextMessage(publishOf("chat.big", i, 60_000, "x"));
      }
      assertNotNull(pub.await(ByteRateLimitTest::isRateLimited, 5), "all 720 kB were accepted at once");
      List<Integer> delivered = received(sub, "chat.big", 5);
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + 1;
      long refused = 1 + pub.drain().stream().filter(ByteRateLimitTest::isRateLimited).count();
      assertEquals(12, delivered.size() + refused, "each delivered or refused: " + delivered);
      assertTrue(delivered.size() >= 8 && delivered.size() <= 8 + seconds,
          "delivered " + delivered + " within " + seconds + " s");
      assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), delivered.subList(0, 8), "the burst passes in order");
      assertNull(pub.awaitClose(0), "a few refusals do not close the connection");
    }
  }
}
