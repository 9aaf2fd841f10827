package dev.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /metrics} (Prometheus) and the health endpoints, read over HTTP while real clients
 * use the gateway. The tests share one node and run one at a time: they compare values before
 * and after, and poll (bounded) where the gateway updates a meter asynchronously.
 */
class MetricsTest {

  static final String WS = "transport=websocket";
  @RegisterExtension
  static final GatewayExtension gw = MetricsScraper.node();
  static final MetricsScraper metrics = new MetricsScraper(gw);

  @Test
  void metricsEndpointServesPrometheusText() {
    HttpResponse<Buffer> resp = get("/metrics");
    assertEquals(200, resp.statusCode());
    String type = resp.getHeader("Content-Type");
    assertNotNull(type);
    assertTrue(type.startsWith("text/plain") || type.startsWith("application/openmetrics-text"), type);
    String text = resp.bodyAsString();
    assertTrue(text.lines().anyMatch(l -> l.startsWith("jvm_")), "no jvm_ series");
    assertTrue(text.lines().anyMatch(l -> l.startsWith("vertx_")), "no vertx_ series");
    assertTrue(text.contains("# TYPE gateway_eventbus_registrations gauge"), "no registrations gauge");
    assertTrue(text.contains("# TYPE gateway_outbound_queue_bytes gauge"), "no outbound queue gauge");
    assertTrue(text.contains("# TYPE gateway_delivery_latency_seconds histogram"), "no latency histogram");
  }

  @Test
  void messageAndByteCountersFollowTraffic() {
    try (BridgeClient sub = gw.connect();
         BridgeClient pub = gw.connect()) {
      String before = scrape();
      double received = PrometheusText.value(before, "gateway_messages_received_total", WS);
      double sent = PrometheusText.value(before, "gateway_messages_sent_total", WS);
      double bytes = PrometheusText.value(before, "gateway_bytes_sent_total", WS);

      sub.send(new JsonObject().put("type", "register").put("address", "chat.metrics").put("ack", "m-ack"));
      JsonObject ack = sub.next(5);
      dev.gateway.support.BridgeClient.assertAck("m-ack", ack);
      pub.publish("chat.metrics", new JsonObject().put("n", 1));
      JsonObject rec = sub.awaitRec("chat.metrics", 5);
      assertNotNull(rec);

      // in: register + publish; out: the ack and the rec, with exactly their bytes
      String after = awaitScrape(s -> PrometheusText.value(s, "gateway_messages_sent_total", WS) >= sent + 2
          && PrometheusText.value(s, "gateway_messages_received_total", WS) >= received + 2, "counters moved");
      assertEquals(received + 2, PrometheusText.value(after, "gateway_messages_received_total", WS));
      assertEquals(sent + 2, PrometheusText.value(after, "gateway_messages_sent_total", WS));
      int expectedBytes = ack.encode().getBytes(StandardCharsets.UTF_8).length
          + rec.encode().getBytes(StandardCharsets.UTF_8).length;
      assertEquals(bytes + expectedBytes, PrometheusText.value(after, "gateway_bytes_sent_total", WS));
      assertEquals(0, PrometheusText.value(after, "gateway_messages_dropped_total", WS));
    }
    awaitScrape(s -> PrometheusText.value(s, "gateway_outbound_queue_bytes") == 0, "outbound queue drained");
  }

  @Test
  void registrationsCountChannelsNotClients() {
    awaitScrape(s -> registrations(s) == 0, "no registrations left from other tests");
    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        clients.add(gw.connect().register("chat.shared"));
      }
      assertEquals(1, registrations(scrape()), "5 clients on one channel");
      clients.get(0).register("chat.second");
      assertEquals(2, registrations(scrape()), "a second channel");
      clients.get(3).register("chat.second");
      assertEquals(2, registrations(scrape()), "a second client on the second channel");
      for (BridgeClient c : clients) {
        for (String address : List.of("chat.shared", "chat.second")) {
          c.send(new JsonObject().put("type", "unregister").put("address", address).put("ack", "u-" + address));
          String id = "u-" + address;
          assertNotNull(c.await(m -> id.equals(m.getString("ack")), 5));
        }
      }
      // the hub releases the registration after the acks: poll
      awaitScrape(s -> registrations(s) == 0, "every channel unregistered");
      // disconnecting clients release their channels too
      clients.get(1).register("chat.gone");
      clients.get(2).register("chat.gone");
      assertEquals(1, registrations(scrape()));
    } finally {
      clients.forEach(BridgeClient::close);
    }
    awaitScrape(s -> registrations(s) == 0, "registrations released when clients disconnect");
  }

  @Test
  void deliveryLatencyIsRecordedPerPublish() {
    try (BridgeClient sub = gw.connect();
         BridgeClient pub = gw.connect()) {
      sub.register("chat.latency");
      double count = PrometheusText.value(scrape(), "gateway_delivery_latency_seconds_count");
      pub.publish("chat.latency", "tick");
      assertNotNull(sub.awaitRec("chat.latency", 5));
      String after = awaitScrape(s -> PrometheusText.value(s, "gateway_delivery_latency_seconds_count") >= count + 1,
          "latency recorded");
      assertEquals(count + 1, PrometheusText.value(after, "gateway_delivery_latency_seconds_count"));
      assertTrue(PrometheusText.value(after, "gateway_delivery_latency_seconds_bucket", "le=+Inf") >= count + 1);
    }
  }

  /**
   * One sample per broadcast per event loop that holds subscribers of the channel (local origin).
   * The node accepts connections round robin over its loops, so 2 x loops subscribers connected
   * one after the other put subscribers on every loop: exactly one sample per loop.
   */
  @Test
  void deliveryLatencyIsOneSamplePerEventLoopWithSubscribers() {
    int loops = gw.node().config.effectiveEventLoops();
    List<BridgeClient> subs = new ArrayList<>();
    try (BridgeClient pub = gw.connect()) {
      for (int i = 0; i < 2 * loops; i++) { // accepted round-robin over the server loops
        subs.add(gw.connect().register("chat.fanout"));
      }
      String before = scrape();
      double count = PrometheusText.value(before, "gateway_delivery_latency_seconds_count", "origin=local");
      double sent = PrometheusText.value(before, "gateway_messages_sent_total", WS);
      pub.publish("chat.fanout", "one message");
      for (BridgeClient sub : subs) {
        assertNotNull(sub.awaitRec("chat.fanout", 5));
      }
      String after = awaitScrape(s -> PrometheusText.value(s, "gateway_messages_sent_total", WS) >= sent + subs.size(),
          "every delivery counted");
      double samples = PrometheusText.value(after, "gateway_delivery_latency_seconds_count", "origin=local") - count;
      assertEquals(loops, samples,
          "one message to " + subs.size() + " subscribers on " + loops + " loops gave " + samples + " samples");
      assertEquals(0, PrometheusText.value(after, "gateway_delivery_latency_seconds_count", "origin=remote"));
    } finally {
      subs.forEach(BridgeClient::close);
    }
  }

  @Test
  void clientErrorsAreCountedByCode() {
    String before = scrape();
    double invalidJson = PrometheusText.value(before, "gateway_client_errors_total", "code=invalid_json");
    double denied = PrometheusText.value(before, "gateway_client_errors_total", "code=access_denied");
    try (BridgeClient c = gw.connect()) {
      c.socket.writeTextMessage("not json");
      c.socket.writeTextMessage("{still not");
      c.publish("not.chat", 1);
      for (String code : List.of("invalid_json", "invalid_json", "access_denied")) {
        JsonObject err = c.next(5);
        assertNotNull(err);
        assertEquals(code, err.getString("body"));
      }
    }
    String after = awaitScrape(s -> PrometheusText.value(s, "gateway_client_errors_total", "code=access_denied") >= denied + 1,
        "errors counted");
    assertEquals(invalidJson + 2, PrometheusText.value(after, "gateway_client_errors_total", "code=invalid_json"));
    assertEquals(denied + 1, PrometheusText.value(after, "gateway_client_errors_total", "code=access_denied"));
  }

  @Test
  void apiPublishOutcomesAreCounted() {
    double accepted = PrometheusText.value(scrape(), "gateway_api_publish_total", "outcome=accepted");
    double missing = PrometheusText.value(scrape(), "gateway_api_publish_total", "outcome=missing_address");
    assertEquals(202, post(new JsonObject().put("address", "news").put("body", 1)).statusCode());
    assertEquals(400, post(new JsonObject().put("body", 1)).statusCode());
    String after = scrape();
    assertEquals(accepted + 1, PrometheusText.value(after, "gateway_api_publish_total", "outcome=accepted"));
    assertEquals(missing + 1, PrometheusText.value(after, "gateway_api_publish_total", "outcome=missing_address"));
  }

  @Test
  void healthEndpointsAreUp() {
    for (String path : List.of("/health/live", "/health/ready")) {
      HttpResponse<Buffer> resp = get(path);
      assertEquals(200, resp.statusCode(), path);
      assertTrue(resp.getHeader("Content-Type").startsWith("application/json"), path);
      assertEquals(new JsonObject().put("status", "UP"), resp.bodyAsJsonObject(), path);
    }
  }

  static double registrations(String scrape) {
    return PrometheusText.value(scrape, "gateway_eventbus_registrations");
  }

  static HttpResponse<Buffer> get(String path) {
    return metrics.get(path);
  }

  static HttpResponse<Buffer> post(JsonObject body) {
    return gw.post("/api/publish", body);
  }

  static String scrape() {
    return metrics.scrape();
  }

  static String awaitScrape(Predicate<String> condition, String what) {
    return metrics.await(condition, what);
  }
}
