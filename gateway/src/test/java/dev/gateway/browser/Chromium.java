package dev.gateway.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * Debian's Chromium driven by Playwright for Java (no browser download), and the chat page's
 * actions, shared by the browser tests.
 */
public final class Chromium {

  /** The Chromium binary: {@code GATEWAY_CHROMIUM}, else Debian's. */
  public static final Path BINARY =
      Paths.get(System.getenv().getOrDefault("GATEWAY_CHROMIUM", "/usr/bin/chromium"));

  private Chromium() {
  }

  /** Fails (never skips) when Chromium is missing, saying what to install. */
  public static void requireInstalled() {
    assertTrue(Files.isExecutable(BINARY), "No Chromium at " + BINARY + ": the browser tests need"
        + " Debian's chromium (apt-get install chromium), or GATEWAY_CHROMIUM set to a Chromium binary");
  }

  /** Playwright that never downloads a browser of its own. */
  public static Playwright playwright() {
    return Playwright.create(new Playwright.CreateOptions()
        .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
  }

  /** Headless Chromium with the flags this machine needs (no sandbox, no background network). */
  public static Browser launch(Playwright playwright) {
    return launch(playwright, List.of());
  }

  /** As {@link #launch(Playwright)}, with more command-line flags. */
  public static Browser launch(Playwright playwright, List<String> flags) {
    List<String> args = new java.util.ArrayList<>(List.of("--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"));
    args.addAll(flags);
    return playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(BINARY)
        .setHeadless(true)
        .setArgs(args));
  }

  /** On the chat page: sets the nickname and joins the room. */
  public static void join(Page page, String nick, String room) {
    page.fill("#nick", nick);
    page.fill("#room", room);
    page.click("#join");
    assertThat(page.locator("#room-title")).hasText(room);
    assertThat(page.locator("#send")).isEnabled();
  }

  /** On the chat page: sends a message. */
  public static void say(Page page, String text) {
    page.fill("#message", text);
    page.click("#send");
    assertThat(page.locator("#message")).hasValue("");
  }

  /** On the chat page: waits for exactly one message with this text, from this nick. */
  public static void awaitMessage(Page page, String nick, String text) {
    Locator msg = page.locator("#messages li.msg").filter(new Locator.FilterOptions().setHasText(text));
    assertThat(msg).hasCount(1);
    assertThat(msg.locator(".nick")).hasText(nick);
    assertThat(msg.locator(".text")).hasText(text);
  }
}
