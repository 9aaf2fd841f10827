package dev.gateway.cluster;

import dev.gateway.support.Await;
import dev.gateway.support.BridgeClient;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/** Cross-node delivery probes of the multi-process cluster tests. */
final class Probe {

  private Probe() {
  }

  /**
   * Publishes {@code tag} plus {@code "n": i} on the channel every 200 ms until {@code to}
   * receives one of them (a {@code rec} on the channel whose body carries every field of the tag);
   * the milliseconds it took, or -1 after {@code millis}.
   */
  static long probe(BridgeClient publisher, String channel, JsonObject tag, BridgeClient to,
                    long millis) {
    long start = System.nanoTime();
    int n = 0;
    while (Await.millisSince(start) < millis) {
      publisher.publish(channel, tag.copy().put("n", n++));
      if (awaitShortly(to, channel, tag)) {
        return Await.millisSince(start);
      }
    }
    return -1;
  }

  /** Drains {@code to} for 200 ms (its waits are in whole seconds); true once a tagged message came. */
  private static boolean awaitShortly(BridgeClient to, String channel, JsonObject tag) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    while (System.nanoTime() < deadline) {
      JsonObject m = to.next(0);
      if (m == null) {
        Await.pause(10);
      } else if ("rec".equals(m.getString("type")) && channel.equals(m.getString("address"))
          && m.getValue("body") instanceof JsonObject body && carries(body, tag)) {
        return true;
      }
    }
    return false;
  }

  private static boolean carries(JsonObject body, JsonObject tag) {
    return tag.fieldNames().stream().allMatch(k -> tag.getValue(k).equals(body.getValue(k)));
  }
}
