package dev.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.GatewayExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The metrics tests' node and how they read it: {@code GET /metrics} over HTTP (what Prometheus
 * reads), once or until a condition holds. MetricsTest and ConnectionMetricsTest share it.
 */
final class MetricsScraper {

  private final GatewayExtension gw;

  MetricsScraper(GatewayExtension gw) {
    this.gw = gw;
  }

  /** One node, demo services off: nothing but the tests' own clients moves a meter. */
  static GatewayExtension node() {
    return GatewayExtension.config(new JsonObject().put("demo", new JsonObject().put("enabled", false)));
  }

  HttpResponse<Buffer> get(String path) {
    return gw.get(path);
  }

  String scrape() {
    HttpResponse<Buffer> resp = get("/metrics");
    assertEquals(200, resp.statusCode());
    return resp.bodyAsString();
  }

  /** Scrapes until the condition holds (at most 5 s) and returns that scrape. */
  String await(Predicate<String> condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    String last = scrape();
    while (!condition.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what + "\n" + PrometheusText.gatewayLines(last));
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      last = scrape();
    }
    return last;
  }
}
