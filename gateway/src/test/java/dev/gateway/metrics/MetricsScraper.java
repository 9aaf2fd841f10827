package dev.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Reads a gateway's {@code GET /metrics} over HTTP, once or until a condition holds. */
final class MetricsScraper {

  private final WebClient http;
  private final int port;

  MetricsScraper(WebClient http, int port) {
    this.http = http;
    this.port = port;
  }

  HttpResponse<Buffer> get(String path) {
    return await(http.get(port, "127.0.0.1", path).send());
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

  static <T> T await(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }
}
