package dev.gateway.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.channel.PublishStamp;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.support.Await;
import dev.gateway.support.LocalNode;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The demo channel: {@code clock} gets {@code {"time":ISO-8601,"epochMs":N}} every interval,
 * stamped with the publish time and the node that published it, until the service is undeployed.
 */
class ClockServiceTest {

  @RegisterExtension
  final LocalNode node = new LocalNode();

  @Test
  void publishesTheTimeOnClockWithThePublishStamp() {
    List<Message<Object>> ticks = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> consumer = node.vertx().eventBus().consumer(ClockService.ADDRESS, ticks::add);
    LocalNode.await(consumer.completion());
    long startMicros = GatewayMetrics.nowMicros();
    String id = LocalNode.await(node.vertx().deployVerticle(new ClockService(50, node.publisher())));
    assertTrue(Await.until(() -> ticks.size() >= 3, 10_000), "fewer than 3 ticks: " + ticks.size());
    long endMicros = GatewayMetrics.nowMicros();

    long lastEpochMs = 0;
    // a copy: the clock keeps ticking while this loop runs (a view of the live list would fail
    // with ConcurrentModificationException as soon as the next tick lands)
    for (Message<Object> m : List.copyOf(ticks).subList(0, 3)) {
      JsonObject body = (JsonObject) m.body();
      assertEquals(2, body.size(), "unexpected fields: " + body);
      Instant time = Instant.parse(body.getString("time"));
      long epochMs = body.getLong("epochMs");
      assertEquals(time.toEpochMilli(), epochMs, "time and epochMs disagree");
      assertTrue(epochMs >= lastEpochMs, "the clock went backwards");
      lastEpochMs = epochMs;

      String publishedAt = m.headers().get(PublishStamp.PUBLISHED_AT);
      assertNotNull(publishedAt, "no publish time");
      long micros = Long.parseLong(publishedAt);
      assertTrue(micros >= startMicros && micros <= endMicros,
          "publish time " + micros + " outside the test's " + startMicros + ".." + endMicros);
      assertEquals(LocalNode.NODE_ID, m.headers().get(PublishStamp.ORIGIN_NODE));
      assertTrue(!node.stamp().isRemote(m.headers()), "its own tick looks remote");
    }

    LocalNode.await(node.vertx().undeploy(id));
    int after = ticks.size();
    Await.pause(300);
    assertEquals(after, ticks.size(), "still ticking after undeploy");
  }
}
