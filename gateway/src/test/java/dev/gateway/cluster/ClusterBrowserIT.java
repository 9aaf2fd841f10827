package dev.gateway.cluster;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.gateway.browser.Chromium;
import dev.gateway.support.Await;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real headless Chromium (driven by Playwright, launched as {@code BrowserIT} does) against two
 * clustered gateway nodes in one JVM: one chat page on each node, each same-origin with its own
 * node, in the same room; what is typed on one page shows up on the other, carried across the
 * cluster's event bus. The demo services are off, so the only cross-node broadcasts are the chat
 * messages and each node's {@code gateway_cluster_messages_received_total} counts exactly the
 * one message typed on the other node's page. The pages' HTTP and WebSocket traffic is reported
 * with any failure.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterBrowserIT {

  static final String CLUSTER_RECEIVED = "gateway_cluster_messages_received_total";

  static final JsonObject CONFIG = new JsonObject().put("demo", new JsonObject().put("enabled", false));

  @RegisterExtension
  static final GatewayExtension cluster = GatewayExtension.cluster(CONFIG, CONFIG);

  static TestGateway one;
  static TestGateway two;
  static Playwright playwright;
  static Browser browser;

  final List<BrowserContext> contexts = new CopyOnWriteArrayList<>();
  final List<String> pageErrors = new CopyOnWriteArrayList<>();
  final List<String> network = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    Chromium.requireInstalled();
    one = cluster.node(0);
    two = cluster.node(1);
    playwright = Chromium.playwright();
    browser = Chromium.launch(playwright);
    PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
  }

  @AfterAll
  static void stop() {
    if (playwright != null) {
      playwright.close(); // closes the browser too
    }
  }

  @Test
  void chatPagesOnDifferentNodesExchangeMessagesThroughTheCluster() throws Exception {
    String room = GatewayExtension.fresh("chat.xnode");
    try {
      Page alice = openChat(one);
      Page bob = openChat(two);
      Chromium.join(alice, "alice", room);
      Chromium.join(bob, "bob", room);
      // the pages register the room without an ack: wait until both nodes' consumers are known
      // cluster-wide (to each node), so a publish on either node reaches the other one
      awaitClusterSubscribers(one, room);
      awaitClusterSubscribers(two, room);
      double receivedOne = one.metric(CLUSTER_RECEIVED);
      double receivedTwo = two.metric(CLUSTER_RECEIVED);

      String fromAlice = "hello bob, from node 1 ✓ <i>not markup</i>";
      Chromium.say(alice, fromAlice);
      Chromium.awaitMessage(bob, "alice", fromAlice);
      Chromium.awaitMessage(alice, "alice", fromAlice);
      Chromium.say(bob, "hi alice, from node 2");
      Chromium.awaitMessage(alice, "bob", "hi alice, from node 2");
      Chromium.awaitMessage(bob, "bob", "hi alice, from node 2");

      for (Page p : List.of(alice, bob)) {
        assertThat(p.locator("#messages li.msg")).hasCount(2);
        assertThat(p.locator("#messages i")).hasCount(0);
        assertThat(p.locator("#status")).hasText("connected");
        assertThat(p.locator("#room-title")).hasText(room);
      }
      assertEquals(receivedTwo + 1, two.awaitMetric(CLUSTER_RECEIVED, v -> v >= receivedTwo + 1, 5),
          "node B counts the message typed on node A's page as a broadcast from another node");
      assertEquals(receivedOne + 1, one.awaitMetric(CLUSTER_RECEIVED, v -> v >= receivedOne + 1, 5),
          "node A counts the message typed on node B's page as a broadcast from another node");
      Path shots = Paths.get("target", "browser-it");
      Files.createDirectories(shots);
      alice.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("cluster-chat-node1.png")));
      bob.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("cluster-chat-node2.png")));
      assertEquals(List.of(), pageErrors, "errors in the pages");
    } catch (AssertionError | RuntimeException e) {
      throw withNetworkLog(e);
    }
  }

  /**
   * The chat page's sockjs-client on a clustered node gets the WebSocket transport, as it does
   * on a single node ({@code BrowserIT}), instead of failing the handshake and falling back.
   */
  @Test
  void chatPageOnAClusteredNodeConnectsOverSockJsWebSocket() {
    String opened = "gateway_connections_opened_total{transport=\"sockjs-websocket\"}";
    double before = two.metric(opened);
    try {
      Page page = openChat(two);
      assertEquals("websocket", page.evaluate("() => chat.client.socket.transport"),
          "sockjs-client's transport on node B");
      assertEquals(before + 1, two.metric(opened), "node B saw one sockjs-websocket session");
    } catch (AssertionError | RuntimeException e) {
      throw withNetworkLog(e);
    }
  }

  @AfterEach
  void closeContexts() {
    contexts.forEach(BrowserContext::close);
    contexts.clear();
  }

  /** The failure, with the pages' HTTP and WebSocket traffic. */
  private AssertionError withNetworkLog(Throwable e) {
    return new AssertionError(e.getMessage() + "\nTraffic:\n  " + String.join("\n  ", network), e);
  }

  /** Polls the node's view of the cluster's subscriptions to the room until both nodes hold one. */
  private static void awaitClusterSubscribers(TestGateway node, String room) {
    double held = Await.value(() -> node.clusterRegistrations(room).size(), v -> v == 2, 20);
    assertEquals(2.0, held, "subscriptions to " + room + " node " + node.name + " sees in the cluster");
  }

  private Page openChat(TestGateway node) {
    BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(820, 640));
    contexts.add(context);
    Page page = context.newPage();
    page.setDefaultTimeout(20_000);
    String tag = "[node " + node.name + "] ";
    page.onPageError(error -> pageErrors.add(tag + error));
    page.onResponse(r -> network.add(tag + r.status() + " " + r.request().method() + " " + r.url()));
    page.onRequestFailed(r -> network.add(tag + "failed " + r.method() + " " + r.url() + ": " + r.failure()));
    page.onWebSocket(ws -> {
      network.add(tag + "websocket " + ws.url());
      ws.onSocketError(e -> network.add(tag + "websocket error " + ws.url() + ": " + e));
      ws.onClose(w -> network.add(tag + "websocket closed " + w.url()));
    });
    page.navigate(node.httpUrl("/"));
    assertThat(page.locator("#status")).hasText("connected");
    return page;
  }

}
