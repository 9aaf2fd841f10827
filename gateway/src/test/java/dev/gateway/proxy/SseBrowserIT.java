package dev.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.gateway.browser.Chromium;
import dev.gateway.support.Await;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A plain {@code EventSource} in headless Chromium, through the documented nginx configuration in
 * front of a two-node cluster: it receives publications; when its node drains (close 1001) it
 * reconnects by itself, through nginx, to the other node (the draining one answers 503, which
 * nginx retries on the next), and receives exactly what was published while it was away, once,
 * in order, then the live publications. No sticky sessions: the cursor in {@code Last-Event-ID}
 * is all the other node needs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SseBrowserIT {

  static final JsonObject CONFIG = new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("server", new JsonObject().put("drainWindowMs", 100))
      .put("sse", new JsonObject().put("retryMs", 1500));

  @RegisterExtension
  static final GatewayExtension cluster = GatewayExtension.cluster(CONFIG, CONFIG);

  static Nginx nginx;
  static Playwright playwright;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    Chromium.requireInstalled();
    nginx = Nginx.start(List.of(cluster.node(0).port, cluster.node(1).port), "127.0.0.1");
    playwright = Chromium.playwright();
    browser = Chromium.launch(playwright);
  }

  @AfterAll
  static void stop() {
    try {
      if (playwright != null) {
        playwright.close();
      }
    } finally {
      if (nginx != null) {
        nginx.close();
      }
    }
  }

  static double sse(TestGateway node) {
    return node.metric("gateway_connections{transport=\"sse\"}");
  }

  @Test
  void anEventSourceFollowsADrainToTheOtherNodeAndMissesNothing() throws Exception {
    String channel = GatewayExtension.fresh("chat.sse-browser");
    TestGateway publisher = cluster.node(0);
    Page page = browser.newContext().newPage();
    page.navigate("http://127.0.0.1:" + nginx.port + "/");
    page.evaluate("channel => { window.got = []; window.closes = []; window.subscribed = 0;"
        + " const es = new EventSource('/sse?channel=' + channel);"
        + " es.addEventListener('subscribed', () => window.subscribed++);"
        + " es.onmessage = e => window.got.push(JSON.parse(e.data).body);"
        + " es.addEventListener('close', e => window.closes.push(JSON.parse(e.data).code)); }",
        channel);
    awaitTrue(page, "window.subscribed === 1", "the stream opened");
    for (int i = 1; i <= 5; i++) {
      assertEquals(202, publisher.apiPublish(cluster.http(), channel, i));
    }
    awaitTrue(page, "window.got.length === 5", "the first five");

    TestGateway first = sse(cluster.node(0)) == 1 ? cluster.node(0) : cluster.node(1);
    TestGateway other = first == cluster.node(0) ? cluster.node(1) : cluster.node(0);
    assertEquals(1, sse(first), "the stream is on one node");
    first.main.drain();
    awaitTrue(page, "window.closes.length === 1", "the drain's close event");
    assertEquals(1001, ((Number) page.evaluate("window.closes[0]")).intValue());
    // published before the EventSource's reconnect (retry: 1.5 s): missed by the page
    TestGateway live = other;
    for (int i = 6; i <= 10; i++) {
      assertEquals(202, live.apiPublish(cluster.http(), channel, i));
    }
    awaitTrue(page, "window.subscribed === 2", "the reconnect");
    assertEquals(1, Await.value(() -> sse(other), v -> v == 1, 10), "the stream moved to the other node");
    for (int i = 11; i <= 12; i++) {
      assertEquals(202, live.apiPublish(cluster.http(), channel, i));
    }
    awaitTrue(page, "window.got.length >= 12", "the missed ones and the live ones");
    Thread.sleep(300);
    List<Integer> expected = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      expected.add(i);
    }
    List<Integer> got = new ArrayList<>();
    for (Object o : new JsonArray(page.evaluate("JSON.stringify(window.got)").toString())) {
      got.add(((Number) o).intValue());
    }
    assertEquals(expected, got, "every publication exactly once, in order");
    assertTrue(other.metric("gateway_history_replayed_total") >= 5,
        "6 to 10 came back from history on the other node, replayed for the cursor");
  }

  static void awaitTrue(Page page, String condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Boolean.TRUE.equals(page.evaluate("() => " + condition))) {
      assertTrue(System.nanoTime() < deadline, what + ": not within 20 s ("
          + page.evaluate("JSON.stringify({got: window.got, closes: window.closes,"
          + " subscribed: window.subscribed})") + ")");
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
