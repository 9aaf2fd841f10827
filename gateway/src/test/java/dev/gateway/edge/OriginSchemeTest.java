package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.RawHandshake;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The same-origin default (no {@code security.allowedOrigins}) compares the scheme too: the
 * request's scheme is {@code https} when the connection is TLS, else what a trusted proxy says in
 * {@code X-Forwarded-Proto}, else {@code http}. Behind a TLS-ending proxy every browser sends
 * {@code Origin: https://...} over plain HTTP: accepted when the proxy, trusted, says https;
 * refused when nothing trusted says so.
 */
class OriginSchemeTest {

  /** A client address on this host that is not the trusted proxy. */
  static final String OTHER = "127.0.0.2";
  static TestGateway direct;
  static TestGateway proxied;

  @BeforeAll
  static void start() {
    direct = TestGateway.start(Edge.config());
    proxied = TestGateway.start(Edge.config("security",
        new JsonObject().put("trustedProxies", new JsonArray().add("127.0.0.1"))));
  }

  @AfterAll
  static void stop() {
    direct.close();
    proxied.close();
  }

  /** The status of a {@code /ws} upgrade from {@code source} with these headers added or replaced. */
  static int upgrade(TestGateway gw, String source, String... headers) {
    Map<String, String> h = RawHandshake.upgradeHeaders(gw.port, RawHandshake.newKey());
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    return Edge.step("upgrade with " + h, () -> {
      try (HttpWire w = HttpWire.open(source, gw.port)) {
        return w.send("GET", "/ws", h, null).response(3).status();
      }
    });
  }

  /** The status of a SockJS xhr-polling open from {@code source} with these headers. */
  static int sockJsOpen(TestGateway gw, String source, String... headers) {
    Map<String, String> h = new LinkedHashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    String path = "/eventbus/000/s" + System.nanoTime() + "/xhr";
    return Edge.step("POST " + path + " with " + h,
        () -> HttpWire.exchange(source, gw.port, "POST", path, h, "", 3).status());
  }

  static Executable status(int expected, int actual, String what) {
    return () -> assertEquals(expected, actual, what);
  }

  @Test
  void overPlainHttpOnlyAnHttpOriginIsTheGatewaysOwn() {
    String self = "127.0.0.1:" + direct.port;
    assertAll(
        status(101, upgrade(direct, "127.0.0.1", "Origin", "http://" + self), "http origin, plain HTTP"),
        status(403, upgrade(direct, "127.0.0.1", "Origin", "https://" + self), "https origin, plain HTTP"),
        status(403, upgrade(direct, "127.0.0.1", "Host", "gateway.example",
            "Origin", "https://gateway.example"), "https origin, Host without a port"),
        status(101, upgrade(direct, "127.0.0.1", "Host", "gateway.example",
            "Origin", "http://gateway.example"), "http origin, Host without a port"),
        status(200, sockJsOpen(direct, "127.0.0.1", "Origin", "http://" + self), "SockJS, http origin"),
        status(403, sockJsOpen(direct, "127.0.0.1", "Origin", "https://" + self), "SockJS, https origin"));
  }

  @Test
  void xForwardedProtoFromAPeerThatIsNotTrustedIsIgnored() {
    assertAll(
        status(403, upgrade(direct, "127.0.0.1", "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "https"), "no proxy is trusted"),
        status(403, upgrade(proxied, OTHER, "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "https"), "a peer that is not the proxy"),
        status(403, sockJsOpen(proxied, OTHER, "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "https"), "SockJS, not the proxy"));
  }

  @Test
  void behindATrustedProxyThatSaysHttpsAnHttpsOriginIsAccepted() {
    String proxy = "127.0.0.1";
    assertAll(
        status(101, upgrade(proxied, proxy, "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "https"), "proxy says https"),
        status(101, upgrade(proxied, proxy, "Host", "gateway.example:443",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "HTTPS"), "explicit default port"),
        status(101, upgrade(proxied, proxy, "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "http, https"), "the nearest proxy's entry"),
        status(200, sockJsOpen(proxied, proxy, "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "https"), "SockJS, proxy says https"));
  }

  @Test
  void behindATrustedProxyTheSchemeMustMatchWhatItSays() {
    String proxy = "127.0.0.1";
    assertAll(
        status(403, upgrade(proxied, proxy, "Host", "gateway.example",
            "Origin", "https://gateway.example"), "the proxy says nothing"),
        status(403, upgrade(proxied, proxy, "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "http"), "the proxy says http"),
        status(403, upgrade(proxied, proxy, "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "https, http"), "the nearest proxy says http"),
        status(403, upgrade(proxied, proxy, "Host", "gateway.example",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "wss"), "not a scheme it believes"),
        status(403, upgrade(proxied, proxy, "Host", "gateway.example",
            "Origin", "http://gateway.example", "X-Forwarded-Proto", "https"), "http origin, proxy says https"),
        status(403, upgrade(proxied, proxy, "Host", "gateway.example:8443",
            "Origin", "https://gateway.example", "X-Forwarded-Proto", "https"), "another port"));
  }
}
