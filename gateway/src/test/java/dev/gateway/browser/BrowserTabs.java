package dev.gateway.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the browser tests of {@code gateway-client.js} share: one Chromium for the class (failing
 * with what to install when it is missing), a Vert.x for the test's {@link TcpRelay}, and, for
 * each test, the browser contexts it opened and its relay, closed after it, and the page errors
 * its pages reported.
 */
abstract class BrowserTabs {

  static Playwright playwright;
  static Browser browser;
  static Vertx vertx;

  final List<BrowserContext> contexts = new CopyOnWriteArrayList<>();
  final List<String> pageErrors = new CopyOnWriteArrayList<>();
  TcpRelay relay;

  @BeforeAll
  static void start() {
    Chromium.requireInstalled();
    vertx = Vertx.vertx();
    playwright = Chromium.playwright();
    browser = Chromium.launch(playwright);
  }

  @AfterAll
  static void stop() throws Exception {
    if (playwright != null) {
      playwright.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void closeAll() {
    contexts.forEach(BrowserContext::close);
    contexts.clear();
    if (relay != null) {
      relay.close();
    }
  }

  /** A fresh context's page on {@link ClientPage} of the gateway at {@code base}, its errors kept. */
  Page clientPage(String base) {
    BrowserContext context = browser.newContext();
    contexts.add(context);
    Page page = context.newPage();
    page.setDefaultTimeout(20_000);
    page.onPageError(error -> pageErrors.add(error));
    return ClientPage.open(page, base);
  }
}
