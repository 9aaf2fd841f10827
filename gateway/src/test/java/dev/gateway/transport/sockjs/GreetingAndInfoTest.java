package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static dev.gateway.transport.sockjs.Conformance.ORIGIN;
import static dev.gateway.transport.sockjs.Conformance.assertContentType;
import static dev.gateway.transport.sockjs.Conformance.assertCors;
import static dev.gateway.transport.sockjs.Conformance.assertNoCookie;
import static dev.gateway.transport.sockjs.Conformance.assertNotCached;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 base URL and {@code /info} (reference classes BaseUrlGreeting and InfoTest): the
 * greeting, what is not found, the capabilities document and its CORS preflight.
 */
class GreetingAndInfoTest {

  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = Conformance.start(Conformance.config());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void greetingOnTheBaseUrlWithAndWithoutSlash() {
    for (String url : List.of(BASE, BASE + "/")) {
      Response r = RawHttp.get(gateway.port, url);
      assertEquals(200, r.status(), url);
      assertContentType(r.head(), "text/plain;charset=UTF-8");
      assertEquals("Welcome to SockJS!\n", r.body(), url);
      assertNoCookie(r.head());
    }
  }

  @Test
  void otherSimpleUrlsAreNotFound() {
    for (String suffix : List.of("/a", "/a.html", "//", "///", "/a/a", "/a/a/", "/a/")) {
      assertEquals(404, RawHttp.get(gateway.port, BASE + suffix).status(), BASE + suffix);
    }
  }

  @Test
  void infoDescribesTheServerAndIsNeverCached() {
    Response r = RawHttp.exchange(gateway.port, "GET", BASE + "/info", Conformance.fromOrigin(), null);
    assertEquals(200, r.status(), r.toString());
    assertContentType(r.head(), "application/json;charset=UTF-8");
    assertNoCookie(r.head());
    assertNotCached(r.head());
    assertCors(r.head(), ORIGIN);

    JsonObject info = new JsonObject(r.body());
    assertEquals(Boolean.TRUE, info.getValue("websocket"), r.body());
    assertEquals(Boolean.FALSE, info.getValue("cookie_needed"), r.body());
    assertEquals(new JsonArray().add("*:*"), info.getValue("origins"), r.body());
    entropy(info);
  }

  /** The browser has no good entropy source: every answer carries a fresh 32-bit number. */
  @Test
  void entropyIsAFreshUnsigned32BitIntegerEachTime() {
    long first = entropy(new JsonObject(RawHttp.get(gateway.port, BASE + "/info").body()));
    long second = entropy(new JsonObject(RawHttp.get(gateway.port, BASE + "/info").body()));
    assertNotEquals(first, second, "the same entropy twice");
  }

  @Test
  void infoAnswersItsCorsPreflight() {
    Conformance.assertPreflight(gateway.port, BASE + "/info", "OPTIONS, GET");
  }

  @Test
  void infoSaysWebsocketFalseWhenWebSocketIsOff() {
    JsonObject c = Conformance.config();
    c.getJsonObject("sockjs").put("transports", new JsonArray().add("xhr"));
    try (TestGateway noWebSocket = Conformance.start(c)) {
      Response r = RawHttp.get(noWebSocket.port, BASE + "/info");
      assertEquals(200, r.status(), r.toString());
      assertEquals(Boolean.FALSE, new JsonObject(r.body()).getValue("websocket"), r.body());
    }
  }

  private static long entropy(JsonObject info) {
    Object e = info.getValue("entropy");
    // an integer, not a float or a string
    assertTrue(e instanceof Integer || e instanceof Long, "entropy not an integer: " + info);
    long v = ((Number) e).longValue();
    assertTrue(v >= 0 && v < (1L << 32), "entropy outside [0, 2^32): " + v);
    return v;
  }
}
