package dev.gateway.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real-browser tests: Debian's Chromium (driven by Playwright) against a real gateway node. The
 * chat page at {@code /}, and round trips over each SockJS transport forced in sockjs-client and
 * over the official event-bus client, checked against the gateway's transport metrics.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BrowserIT {

  static final Path SCREENSHOTS = Paths.get("target", "browser-it");
  static final String OPENED = "gateway_connections_opened_total{transport=\"%s\"}";
  static final String RECEIVED = "gateway_messages_received_total{transport=\"%s\"}";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("clockIntervalMs", 300)));
  static Playwright playwright;
  static Browser browser;

  final List<BrowserContext> contexts = new CopyOnWriteArrayList<>();
  final List<String> pageErrors = new CopyOnWriteArrayList<>();
  final List<String> network = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    Chromium.requireInstalled();
    playwright = Chromium.playwright();
    browser = Chromium.launch(playwright);
    PlaywrightAssertions.setDefaultAssertionTimeout(10_000);
  }

  @AfterAll
  static void stop() {
    if (playwright != null) {
      playwright.close(); // closes the browser too
    }
  }

  @AfterEach
  void closeContexts() {
    contexts.forEach(BrowserContext::close);
  }

  @Test
  void chatPageInTwoTabsExchangesMessagesAndShowsTheClock() throws Exception {
    String room = "chat.it-" + UUID.randomUUID().toString().substring(0, 8);
    Page alice = openChat();
    Page bob = openChat();
    Chromium.join(alice, "alice", room);
    Chromium.join(bob, "bob", room);
    // a fresh tick after joining: the clock is live, and the room registration has had time
    awaitClockTick(alice);
    awaitClockTick(bob);

    String fromAlice = "hello bob <b>bold?</b> & \"quotes\"";
    Chromium.say(alice, fromAlice);
    Chromium.awaitMessage(bob, "alice", fromAlice);
    Chromium.awaitMessage(alice, "alice", fromAlice);
    Chromium.say(bob, "hi alice");
    Chromium.awaitMessage(alice, "bob", "hi alice");
    Chromium.awaitMessage(bob, "bob", "hi alice");

    // user text is shown as text: no element came out of the markup alice typed
    assertThat(bob.locator("#messages b")).hasCount(0);
    assertThat(alice.locator("#messages li.msg.own .nick")).hasText("alice");
    assertThat(bob.locator("#messages li.msg")).hasCount(2);
    for (Page p : List.of(alice, bob)) {
      assertThat(p.locator("#status")).hasText("connected");
      assertThat(p.locator("#room-title")).hasText(room);
    }
    Files.createDirectories(SCREENSHOTS);
    alice.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("chat-alice.png")));
    bob.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("chat-bob.png")));
    assertEquals(List.of(), pageErrors, "errors in the page");
  }

  @Test
  void chatPageReRegistersAfterItsConnectionDrops() {
    String room = "chat.it-" + UUID.randomUUID().toString().substring(0, 8);
    Page alice = openChat();
    Page bob = openChat();
    Chromium.join(alice, "alice", room);
    Chromium.join(bob, "bob", room);
    awaitClockTick(bob);
    double opened = gw.metric(OPENED.formatted("sockjs-websocket"));

    // drop alice's connection: the client reconnects and registers the room again. What the
    // page shows is read inside the client's close event (the page's own listener ran first):
    // the first reconnect delay may be close to 0 ms (full jitter)
    @SuppressWarnings("unchecked")
    Map<String, Object> dropped = (Map<String, Object>) alice.evaluate("() => new Promise(resolve => {"
        + " chat.client.on('close', e => resolve({ reconnect: e.reconnect, delay: e.delay,"
        + "   status: document.getElementById('status').textContent,"
        + "   sendDisabled: document.getElementById('send').disabled }));"
        + " chat.client.socket.close(); })");
    assertEquals(true, dropped.get("reconnect"), "the client reconnects after a drop: " + dropped);
    assertEquals("reconnecting", dropped.get("status"), "what the page shows while reconnecting");
    assertEquals(true, dropped.get("sendDisabled"), "no sending while reconnecting");
    assertTrue(((Number) dropped.get("delay")).doubleValue() < 500, "within the first backoff window: " + dropped);
    assertThat(alice.locator("#status")).hasText("connected",
        new LocatorAssertions.HasTextOptions().setTimeout(15_000));
    assertEquals(opened + 1, gw.metric(OPENED.formatted("sockjs-websocket")), "alice reconnected once");
    awaitClockTick(alice); // registered again (the room with its position: nothing sent meanwhile is missed)

    Chromium.say(bob, "are you back?");
    Chromium.awaitMessage(alice, "bob", "are you back?");
    assertEquals(List.of(), pageErrors, "errors in the page");
  }

  @Test
  void rawSockJsOverXhrPolling() {
    rawRoundTrip("xhr-polling", "xhr-polling");
  }

  @Test
  void rawSockJsOverWebSocket() {
    rawRoundTrip("websocket", "sockjs-websocket");
  }

  @Test
  void rawSockJsOverXhrStreaming() {
    rawRoundTrip("xhr-streaming", "xhr-streaming");
  }

  @Test
  void rawSockJsOverEventSource() {
    rawRoundTrip("eventsource", "eventsource");
  }

  @Test
  void officialEventBusClientSendsAndPublishes() {
    Page page = openRoundTripPage();
    String room = "chat.it-" + UUID.randomUUID().toString().substring(0, 8);
    double opened = gw.metric(OPENED.formatted("sockjs-websocket"));

    JsonObject result = new JsonObject((String) evaluate(page, "room => eventBusRoundTrip(room)", room));

    assertEquals(new JsonObject().put("hello", "echo").put("n", 7), result.getJsonObject("echo"));
    assertEquals(new JsonObject().put("nick", "it").put("text", "published ✓"),
        result.getJsonObject("published"));
    assertEquals(room, result.getString("address"));
    assertEquals("websocket", result.getString("transport"), "sockjs-client's transport");
    assertEquals(opened + 1, gw.metric(OPENED.formatted("sockjs-websocket")));
    assertEquals(List.of(), pageErrors, "errors in the page");
  }

  /** Sends to echo with a replyAddress over sockjs-client forced to one transport. */
  private void rawRoundTrip(String clientTransport, String metricTransport) {
    Page page = openRoundTripPage();
    double opened = gw.metric(OPENED.formatted(metricTransport));
    double received = gw.metric(RECEIVED.formatted(metricTransport));

    JsonObject result = new JsonObject((String) evaluate(page, "t => rawRoundTrip(t)", clientTransport));

    assertEquals(clientTransport, result.getString("transport"), "sockjs-client's transport");
    JsonObject reply = result.getJsonObject("reply");
    assertEquals("rec", reply.getString("type"), reply.encode());
    assertEquals(result.getString("replyAddress"), reply.getString("address"));
    assertEquals(new JsonObject().put("via", clientTransport).put("n", 42).put("text", "héllo ✓ <&>"),
        reply.getJsonObject("body"));
    assertEquals(opened + 1, gw.metric(OPENED.formatted(metricTransport)),
        "the gateway saw one " + metricTransport + " session");
    assertEquals(received + 1, gw.metric(RECEIVED.formatted(metricTransport)),
        "the send came in over " + metricTransport);
    assertEquals(List.of(), pageErrors, "errors in the page");
  }

  /** Evaluates a promise in the page; on failure, reports the page's HTTP traffic too. */
  private Object evaluate(Page page, String function, Object arg) {
    try {
      return page.evaluate(function, arg);
    } catch (PlaywrightException e) {
      throw new AssertionError(e.getMessage().lines().findFirst().orElse("") + "\nHTTP:\n  "
          + String.join("\n  ", network), e);
    }
  }

  private Page newPage() {
    BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(820, 640));
    contexts.add(context);
    Page page = context.newPage();
    page.setDefaultTimeout(10_000);
    page.onPageError(error -> pageErrors.add(error));
    page.onResponse(r -> network.add(r.status() + " " + r.request().method() + " " + r.url()));
    page.onRequestFailed(r -> network.add("failed " + r.method() + " " + r.url() + ": " + r.failure()));
    return page;
  }

  private Page openChat() {
    Page page = newPage();
    page.navigate(gw.url("/"));
    assertThat(page.locator("#status")).hasText("connected");
    return page;
  }

  /** Waits until the clock shows a time, then until it shows a newer one. */
  private static void awaitClockTick(Page page) {
    String first = (String) page.waitForFunction(
        "() => document.getElementById('clock').dateTime || null").jsonValue();
    page.waitForFunction("prev => { const t = document.getElementById('clock').dateTime;"
        + " return t && t !== prev; }", first);
    assertTrue(!page.textContent("#clock").isBlank());
  }

  /**
   * The round-trip page at the gateway's origin: a gateway URL with the page's content written
   * over it, so the scripts it loads and its SockJS requests are same-origin. (A page fulfilled by
   * {@code page.route} does not do: Chromium's Local Network Access checks then block its
   * WebSockets to 127.0.0.1.)
   */
  private Page openRoundTripPage() {
    Page page = newPage();
    page.navigate(gw.url("/health/live"));
    page.setContent(RoundTripPage.HTML);
    page.waitForFunction("() => typeof SockJS === 'function' && typeof EventBus === 'function'");
    return page;
  }
}
