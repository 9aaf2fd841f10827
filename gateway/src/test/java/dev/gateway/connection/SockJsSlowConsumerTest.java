package dev.gateway.connection;

import static dev.gateway.connection.GatewayProbe.CLOSED;
import static dev.gateway.connection.GatewayProbe.QUEUE_BYTES;
import static dev.gateway.connection.GatewayProbe.mib;
import static dev.gateway.connection.GatewayProbe.sum;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import dev.gateway.support.sockjs.ManualSession;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A SockJS xhr-polling session that stops polling while its channel fans out 1,000 messages/s:
 * its messages pile up in the session (no open poll request to flush them), the gateway counts
 * them as queued, drops broadcasts at the 1 MiB cap and closes the session as a slow consumer
 * after 2 s full, before SockJS's own 5 s session timeout. The queued bytes must be released.
 */
class SockJsSlowConsumerTest {

  private static final String ADDRESS = "chat.fanout";
  private static final int QUEUE_CAP = 1024 * 1024;
  private static final String XHR_POLLING = "transport=\"xhr-polling\"";

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.config(new JsonObject()
      // the publisher sends 1 kB messages at 1,000/s: its message and byte rates are raised
      .put("limits", new JsonObject().put("messagesPerSecond", 5_000).put("messageBurst", 5_000)
          .put("bytesPerSecond", 8 * 1024 * 1024).put("byteBurst", 8 * 1024 * 1024)));

  @Test
  void pollingSessionThatStopsPollingIsClosedAsSlowConsumerAndReleased() throws Exception {
    TestGateway gw = gateway.node();
    ManualSession session = new ManualSession(gateway.http());
    assertEquals("o", session.poll(gw), "open frame");
    session.send(gw, new JsonObject().put("type", "register").put("address", ADDRESS).put("ack", "x1"));
    String acked = session.poll(gw);
    assertTrue(acked.startsWith("a[") && acked.contains("\\\"ack\\\":\\\"x1\\\""), "ack poll: " + acked);
    // from here the session is never polled again

    BridgeClient publisherClient = gateway.connect();
    PacedPublisher publisher = new PacedPublisher(publisherClient, ADDRESS);
    int frameBytes = publisher.frameBytes(10_000);
    long start = System.nanoTime();
    int published;
    double closedMs;
    GatewayProbe.Sampler sampler = new GatewayProbe.Sampler(gw, 1);
    try {
      CompletableFuture<Integer> publishing = CompletableFuture.supplyAsync(
          () -> publisher.publish(10_000, 1_000, () -> GatewayProbe.closes(gw, "xhr-polling") >= 1));
      published = publishing.get(20, TimeUnit.SECONDS);
      closedMs = (System.nanoTime() - start) / 1e6;
    } finally {
      sampler.close();
    }
    Map<String, Double> reasons = new TreeMap<>();
    for (String reason : new String[] {"slow_consumer", "client_closed", "transport_error"}) {
      reasons.put(reason, sum(gw, CLOSED, XHR_POLLING, "reason=\"" + reason + "\""));
    }
    double dropped = sum(gw, GatewayProbe.DROPPED, XHR_POLLING);
    double queueLeft = GatewayProbe.awaitAtMost(() -> GatewayProbe.queueBytes(gw), 0, 3_000);
    String nextPoll = session.pollAny(gw);

    System.out.printf("SockJsSlowConsumerTest: xhr-polling session closed %.0f ms after publishing started"
        + " (%d published); closes by reason %s; dropped %.0f; peak %s %s at %d ms; left after close %s;"
        + " next poll: %s%n", closedMs, published, reasons, dropped, QUEUE_BYTES, mib(sampler.peak()),
        sampler.peakAtMs(), mib(queueLeft), nextPoll.trim());

    assertAll(
        () -> assertEquals(1.0, reasons.get("slow_consumer"), "closed as slow consumer (before the session timeout)"),
        () -> assertTrue(sampler.peak() >= QUEUE_CAP && sampler.peak() <= QUEUE_CAP + frameBytes,
            "queue peak " + sampler.peak() + " not at the 1 MiB cap"),
        () -> assertTrue(dropped > 0, "nothing dropped while full"),
        () -> assertEquals(0.0, queueLeft, "queued bytes not released after the close"),
        () -> assertTrue(nextPoll.startsWith("c["), "next poll is not a close frame: " + nextPoll));
  }
}
