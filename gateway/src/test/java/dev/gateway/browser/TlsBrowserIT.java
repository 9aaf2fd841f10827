package dev.gateway.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.gateway.support.ServerCerts;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chromium loads the chat page over {@code https://} from a gateway serving TLS and two tabs chat
 * through it (SockJS over {@code wss://} on the same port). The browser accepts the test
 * certificate by its public key only ({@code --ignore-certificate-errors-spki-list}, this test's
 * launch alone): every other certificate is still checked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsBrowserIT {

  @Test
  void theChatPageWorksOverHttps() throws Exception {
    Chromium.requireInstalled();
    ServerCerts ca = ServerCerts.newAuthority("browser-test-ca");
    ServerCerts.Pair pair = ca.issue("browser", ServerCerts.KeyType.EC);
    List<String> errors = new CopyOnWriteArrayList<>();
    try (TestGateway gw = TestGateway.start(new JsonObject()
            .put("server", new JsonObject().put("tls", pair.tlsConfig(10_000)))
            .put("demo", new JsonObject().put("clockIntervalMs", 300)));
         Playwright playwright = Chromium.playwright()) {
      Browser browser = Chromium.launch(playwright,
          List.of("--ignore-certificate-errors-spki-list=" + spkiHash(pair)));
      PlaywrightAssertions.setDefaultAssertionTimeout(15_000);
      String url = "https://localhost:" + gw.port + "/";
      String room = "chat.tls-" + UUID.randomUUID().toString().substring(0, 8);
      Page alice = open(browser, url, errors);
      Page bob = open(browser, url, errors);
      assertEquals("https:", alice.evaluate("() => location.protocol"), "the page's scheme");
      Chromium.join(alice, "alice", room);
      Chromium.join(bob, "bob", room);
      // the room's registration is complete on the node (the clock's channel is the other one)
      assertEquals(2.0, gw.awaitMetric("gateway_channels_active", v -> v >= 2, 10),
          "the room and the clock are active channels");
      Chromium.say(alice, "hello over tls");
      Chromium.awaitMessage(bob, "alice", "hello over tls");
      Chromium.say(bob, "and back");
      Chromium.awaitMessage(alice, "bob", "and back");
      double overTls = gw.metric("gateway_connections_opened_total{transport=\"sockjs-websocket\"}");
      assertTrue(overTls >= 2, "both tabs connected with SockJS's WebSocket (wss:// on the same"
          + " port): " + overTls);
      assertEquals(List.of(), errors, "errors in the pages");
    }
  }

  private static Page open(Browser browser, String url, List<String> errors) {
    BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(820, 640));
    Page page = context.newPage();
    page.setDefaultTimeout(15_000);
    page.onPageError(errors::add);
    page.navigate(url);
    assertThat(page.locator("#status")).hasText("connected");
    return page;
  }

  /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's flag wants. */
  private static String spkiHash(ServerCerts.Pair pair) throws Exception {
    try (InputStream in = Files.newInputStream(pair.cert())) {
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(in);
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded());
      return Base64.getEncoder().encodeToString(digest);
    }
  }
}
