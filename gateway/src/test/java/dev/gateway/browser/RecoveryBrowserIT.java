package dev.gateway.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recovery in a real Chromium: two chat tabs in the same room (a channel with history, as every
 * {@code chat.*} room is by default). Tab A reaches the gateway through a {@link TcpRelay} the
 * test cuts, which kills A's connection and refuses its reconnects; tab B sends five messages
 * meanwhile. Once the relay listens again, A's client reconnects by itself, registers the room
 * with the position it had, and the gateway replays what A missed: the five appear in A once
 * each, in order, without a reload, and A's page says it restored them. Over both of the page's
 * transports (sockjs-client's WebSocket at {@code /eventbus}, the native {@code /ws}). And a tab
 * away for longer than history reaches says so and reloads the room's newest messages.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RecoveryBrowserIT extends BrowserTabs {

  static final String RECOVERED = "gateway_recoveries_total{outcome=\"recovered\"}";
  static final String REPLAYED = "gateway_history_replayed_total";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false)));

  /** What the pages did (console lines, WebSocket opens and closes), shown when a test fails. */
  final List<String> traffic = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void assertionTimeout() {
    PlaywrightAssertions.setDefaultAssertionTimeout(10_000);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sockjs", "websocket"})
  void aTabCutOffGetsWhatItMissedOnceInOrderWithoutAReload(String transport) throws Exception {
    String room = GatewayExtension.fresh("chat.recovery");
    relay = TcpRelay.start(vertx, gw.port());
    Page a = openChat(relay.url("/?transport=" + transport), "A");
    Page b = openChat(gw.url("/?transport=" + transport), "B");
    try {
      Chromium.join(a, "ann", room);
      Chromium.join(b, "bob", room);
      // B's first message reaching A shows both registrations are complete (A now holds offset 1)
      Chromium.say(b, "before the cut");
      Chromium.awaitMessage(a, "bob", "before the cut");
      a.evaluate("() => { window.notReloaded = true; }");
      double recovered = gw.metric(RECOVERED);
      double replayed = gw.metric(REPLAYED);

      relay.cut();
      assertThat(a.locator("#status")).hasText("reconnecting");
      List<String> missed = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        missed.add("missed " + i + " while A was away");
        Chromium.say(b, missed.get(i - 1));
        Chromium.awaitMessage(b, "bob", missed.get(i - 1));
      }
      assertThat(a.locator("#status")).hasText("reconnecting");
      assertThat(a.locator("#messages li.msg")).hasCount(1);

      relay.restart();
      Locator restored = a.locator("#messages li.system").filter(
          new Locator.FilterOptions().setHasText("restored 5 missed messages"));
      assertThat(restored).hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(30_000));
      assertThat(a.locator("#status")).hasText("connected");

      List<String> expected = new ArrayList<>(List.of("before the cut"));
      expected.addAll(missed);
      assertEquals(expected, a.locator("#messages li.msg .text").allTextContents(),
          "A's messages: each once, in order");
      assertEquals(List.of("1", "2", "3", "4", "5", "6"),
          a.locator("#messages li.msg").evaluateAll("els => els.map(e => e.dataset.offset)"),
          "the offsets A shows");
      assertThat(a.locator("#messages li.system").filter(
          new Locator.FilterOptions().setHasText("could not be restored"))).hasCount(0);
      assertEquals(true, a.evaluate("() => window.notReloaded === true"), "A's page was not reloaded");
      assertEquals(recovered + 1, gw.metric(RECOVERED), "the gateway served one recovery");
      assertEquals(replayed + 5, gw.metric(REPLAYED), "the gateway replayed five publications");

      // and the room is live again for A
      Chromium.say(b, "welcome back");
      Chromium.awaitMessage(a, "bob", "welcome back");
      assertThat(a.locator("#messages li.msg")).hasCount(7);
      Files.createDirectories(BrowserIT.SCREENSHOTS);
      a.screenshot(new Page.ScreenshotOptions()
          .setPath(BrowserIT.SCREENSHOTS.resolve("recovery-" + transport + ".png")));
      assertEquals(List.of(), pageErrors, "errors in the pages");
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(e.getMessage() + "\nTraffic:\n  " + String.join("\n  ", traffic), e);
    }
  }

  /**
   * A tab away for longer than history reaches (a room keeps its newest 100 publications by
   * default): the gateway cannot replay from its position, so the page says some messages could
   * not be restored and shows the room's newest 50 instead, after what it had, in order.
   */
  @Test
  void aTabAwayLongerThanHistoryReachesSaysSoAndReloadsTheNewest() {
    String room = GatewayExtension.fresh("chat.lost");
    relay = TcpRelay.start(vertx, gw.port());
    Page a = openChat(relay.url("/?transport=websocket"), "A");
    Page b = openChat(gw.url("/?transport=websocket"), "B");
    try {
      Chromium.join(a, "ann", room);
      Chromium.join(b, "bob", room);
      Chromium.say(b, "before the cut");
      Chromium.awaitMessage(a, "bob", "before the cut");

      relay.cut();
      assertThat(a.locator("#status")).hasText("reconnecting");
      for (int i = 1; i <= 120; i++) {
        assertEquals(202, gw.publish(room, new JsonObject().put("nick", "ops").put("text", "bulk " + i)));
      }
      relay.restart();

      assertThat(a.locator("#messages li.system").filter(
          new Locator.FilterOptions().setHasText("some messages could not be restored")))
          .hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(30_000));
      assertThat(a.locator("#messages li.msg")).hasCount(51);
      List<String> expected = new ArrayList<>(List.of("before the cut"));
      for (int i = 71; i <= 120; i++) {
        expected.add("bulk " + i);
      }
      assertEquals(expected, a.locator("#messages li.msg .text").allTextContents(),
          "what A had, then the newest 50, in order");
      assertThat(a.locator("#messages li.system").filter(
          new Locator.FilterOptions().setHasText("missed message"))).hasCount(0);

      Chromium.say(b, "still here?");
      Chromium.awaitMessage(a, "bob", "still here?");
      assertEquals(List.of(), pageErrors, "errors in the pages");
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(e.getMessage() + "\nTraffic:\n  " + String.join("\n  ", traffic), e);
    }
  }

  /**
   * Broadcasts the gateway drops for a tab that stopped reading (the relay pauses it; a node
   * with a small outbound queue that never closes it) are a gap: the page says some messages
   * could not be restored, fills in what history still holds, and shows its messages in offset
   * order, each once.
   */
  @Test
  void aTabThatMissedBroadcastsFillsTheGapFromHistory() {
    TestGateway node = gw.start(new JsonObject()
        .put("demo", new JsonObject().put("enabled", false))
        .put("server", new JsonObject().put("sendBufferBytes", 8192))
        .put("limits", new JsonObject().put("outboundQueueBytes", 16 * 1024)
            .put("slowConsumerTimeoutMs", 60_000).put("slowConsumerMaxDrops", 1_000_000)));
    String room = GatewayExtension.fresh("chat.gap");
    relay = TcpRelay.start(vertx, node.port);
    Page a = openChat(relay.url("/?transport=websocket"), "A");
    try {
      Chromium.join(a, "ann", room);
      assertThat(a.locator("#send")).isEnabled();
      a.waitForFunction("r => chat.client.position(r) !== null", room); // the register ack
      relay.pauseDownstream();
      // 45 of 8 KB: more than the queue and the socket buffers hold, fewer than the page reloads (50)
      String filler = " " + "·".repeat(4_000);
      for (int i = 1; i <= 45; i++) {
        assertEquals(202, node.apiPublish(gw.http(), room,
            new JsonObject().put("nick", "ops").put("text", "bulk " + i + filler)));
      }
      relay.resumeDownstream();
      // the queue drains once the relay reads again: markers until one arrives
      boolean arrived = false;
      for (int m = 1; m <= 20 && !arrived; m++) {
        assertEquals(202, node.apiPublish(gw.http(), room,
            new JsonObject().put("nick", "ops").put("text", "marker " + m)));
        arrived = (Boolean) a.evaluate("t => new Promise(r => setTimeout(() => r([...document"
            + ".querySelectorAll('#messages .text')].some(e => e.textContent === t)), 500))", "marker " + m);
      }
      assertTrue(arrived, "no marker reached A after the relay resumed");

      assertThat(a.locator("#messages li.system").filter(
          new Locator.FilterOptions().setHasText("some messages could not be restored")).first()).isVisible();
      // the gap is filled from history: no hole remains
      a.waitForFunction("() => { const o = [...document.querySelectorAll('#messages li.msg')]"
          + ".map(e => Number(e.dataset.offset)); return o.length > 0 && o[o.length - 1] - o[0] + 1 === o.length; }");
      @SuppressWarnings("unchecked")
      List<Object> offsets = (List<Object>) a.locator("#messages li.msg")
          .evaluateAll("els => els.map(e => Number(e.dataset.offset))");
      for (int i = 1; i < offsets.size(); i++) {
        assertEquals(((Number) offsets.get(i - 1)).intValue() + 1, ((Number) offsets.get(i)).intValue(),
            "consecutive offsets, each once: " + offsets);
      }
      assertEquals(1, ((Number) offsets.get(0)).intValue(), "from the first: " + offsets);
      assertTrue(offsets.size() > 45, "every bulk message and a marker: " + offsets);
      assertEquals(List.of(), pageErrors, "errors in the page");
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(e.getMessage() + "\nTraffic:\n  " + String.join("\n  ", traffic), e);
    }
  }

  private Page openChat(String url, String tag) {
    BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(820, 640));
    contexts.add(context);
    Page page = context.newPage();
    page.setDefaultTimeout(10_000);
    page.onPageError(error -> pageErrors.add("[" + tag + "] " + error));
    page.onConsoleMessage(m -> traffic.add("[" + tag + "] console " + m.type() + ": " + m.text()));
    page.onWebSocket(ws -> {
      traffic.add("[" + tag + "] websocket " + ws.url());
      ws.onClose(w -> traffic.add("[" + tag + "] websocket closed " + w.url()));
    });
    page.navigate(url);
    assertThat(page.locator("#status")).hasText("connected");
    return page;
  }
}
