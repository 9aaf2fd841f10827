package dev.gateway.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who is here, in a real Chromium: the chat page lists the room's members (every connection
 * registered to it) and keeps the list current from the gateway's join and leave events: a
 * second tab joining appears in the first within the events' interval, and disappears when that
 * tab closes. Over both of the page's transports.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PresenceBrowserIT extends BrowserTabs {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false)));

  @BeforeAll
  static void assertionTimeout() {
    PlaywrightAssertions.setDefaultAssertionTimeout(10_000);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sockjs", "websocket"})
  void aSecondTabAppearsInTheFirstAndLeavesWhenClosed(String transport) throws Exception {
    String room = GatewayExtension.fresh("chat.presence");
    BrowserContext contextA = newContext();
    Page a = openChat(contextA, gw.url("/?transport=" + transport), "A");
    Chromium.join(a, "ann", room);
    assertThat(a.locator("#member-count")).hasText("(1)");
    assertThat(a.locator("#members li")).hasCount(1);

    BrowserContext contextB = newContext();
    Page b = openChat(contextB, gw.url("/?transport=" + transport), "B");
    Chromium.join(b, "bob", room);
    // B lists both at once (the list is read after its register); A hears B's join
    assertThat(b.locator("#member-count")).hasText("(2)");
    assertThat(a.locator("#member-count")).hasText("(2)");
    assertThat(a.locator("#members li")).hasCount(2);
    assertEquals(a.locator("#members li").allTextContents(), b.locator("#members li").allTextContents(),
        "both tabs list the same members");
    Files.createDirectories(BrowserIT.SCREENSHOTS);
    a.screenshot(new Page.ScreenshotOptions()
        .setPath(BrowserIT.SCREENSHOTS.resolve("presence-" + transport + ".png")));

    contextB.close();
    contexts.remove(contextB);
    // a closed tab's connection ends (SockJS: when its session times out or its socket closes)
    assertThat(a.locator("#member-count")).hasText("(1)",
        new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(30_000));
    assertThat(a.locator("#members li")).hasCount(1);
    assertEquals(List.of(), pageErrors, "errors in the pages");
  }

  private BrowserContext newContext() {
    BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(820, 640));
    contexts.add(context);
    return context;
  }

  private Page openChat(BrowserContext context, String url, String tag) {
    Page page = context.newPage();
    page.setDefaultTimeout(10_000);
    page.onPageError(error -> pageErrors.add("[" + tag + "] " + error));
    page.navigate(url);
    assertThat(page.locator("#status")).hasText("connected");
    return page;
  }
}
