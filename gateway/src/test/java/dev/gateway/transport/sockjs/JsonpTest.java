package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static dev.gateway.transport.sockjs.Conformance.assertContentType;
import static dev.gateway.transport.sockjs.Conformance.assertNoCookie;
import static dev.gateway.transport.sockjs.Conformance.assertNotCached;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.echoed;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Response;
import io.vertx.core.json.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 jsonp-polling, {@code GET /*\/*\/jsonp?c=CALLBACK} and
 * {@code POST /*\/*\/jsonp_send} (reference class JsonPolling): {@code /**}{@code /CALLBACK("frame");}
 * framing, the callback required and validated, form and plain bodies answered {@code ok}.
 */
class JsonpTest {

  private static final Map<String, String> FORM =
      Map.of("Content-Type", "application/x-www-form-urlencoded");

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
  void transport() {
    String url = Conformance.session();
    Response open = RawHttp.get(gateway.port, url + "/jsonp?c=%63allback");
    assertEquals(200, open.status(), open.toString());
    assertContentType(open.head(), "application/javascript;charset=UTF-8");
    assertNotCached(open.head());
    assertNoCookie(open.head());
    assertEquals("/**/callback(\"o\");\r\n", open.body());

    Response sent = send(url, FORM, form(payload(echo("r", "x"))));
    // Konqueror mishandles 204: answer something
    assertEquals(200, sent.status(), sent.toString());
    assertEquals("ok", sent.body());
    assertContentType(sent.head(), "text/plain;charset=UTF-8");
    assertNotCached(sent.head());
    assertNoCookie(sent.head());

    Response received = RawHttp.get(gateway.port, url + "/jsonp?c=%63allback");
    assertEquals(200, received.status());
    assertEquals("x", echoed(frame("callback", received.body()), "r"));
  }

  @Test
  void callbackIsRequired() {
    Response r = RawHttp.get(gateway.port, BASE + "/a/a/jsonp");
    assertEquals(500, r.status(), r.toString());
    assertTrue(r.body().contains("\"callback\" parameter required"), r.body());
  }

  @Test
  void invalidCallbacksAreRefused() {
    for (String callback : List.of("%20", "*", "abc(", "abc%28")) {
      Response r = RawHttp.get(gateway.port, BASE + "/a/a/jsonp?c=" + callback);
      assertEquals(500, r.status(), callback + ": " + r);
      assertTrue(r.body().contains("invalid \"callback\" parameter"), callback + ": " + r.body());
    }
  }

  @Test
  void callbacksOfTheAllowedCharactersAreAccepted() {
    Response r = RawHttp.get(gateway.port, Conformance.session() + "/jsonp?c=a.B-c_9");
    assertEquals(200, r.status(), r.toString());
    assertEquals("/**/a.B-c_9(\"o\");\r\n", r.body());
  }

  @Test
  void brokenAndMissingPayloadsAreRefusedAndTheSessionGoesOn() {
    String url = Conformance.session();
    assertEquals("/**/x(\"o\");\r\n", RawHttp.get(gateway.port, url + "/jsonp?c=x").body());

    Response broken = send(url, FORM, "d=%5B%22x");
    assertEquals(500, broken.status(), broken.toString());
    assertTrue(broken.body().contains("Broken JSON encoding."), broken.body());
    for (String data : List.of("", "d=", "p=p")) {
      Response r = send(url, FORM, data);
      assertEquals(500, r.status(), "'" + data + "': " + r);
      assertTrue(r.body().contains("Payload expected."), "'" + data + "': " + r.body());
    }

    assertEquals("ok", send(url, FORM, form(payload(echo("r", "b")))).body());
    assertEquals("b", echoed(frame("x", RawHttp.get(gateway.port, url + "/jsonp?c=x").body()), "r"));
  }

  /** A form's field {@code d}, or a plain body taken as it is (not URL-decoded). */
  @Test
  void formAndPlainBodiesAreAccepted() {
    String url = Conformance.session();
    assertEquals("/**/x(\"o\");\r\n", RawHttp.get(gateway.port, url + "/jsonp?c=x").body());
    assertEquals("ok", send(url, FORM, form(payload(echo("r", "abc")))).body());
    assertEquals("ok", send(url, Map.of("Content-Type", "text/plain"),
        payload(echo("r", "%61bc"))).body());

    List<Object> bodies = new ArrayList<>();
    for (int polls = 0; bodies.size() < 2 && polls < 2; polls++) {
      String frame = frame("x", RawHttp.get(gateway.port, url + "/jsonp?c=x").body());
      for (String m : Conformance.messages(frame)) {
        bodies.add(Conformance.recBody(m, "r"));
      }
    }
    assertEquals(List.of("abc", "%61bc"), bodies);
  }

  @Test
  void emptyFramesAreAccepted() {
    String url = Conformance.session();
    assertEquals("/**/x(\"o\");\r\n", RawHttp.get(gateway.port, url + "/jsonp?c=x").body());
    assertEquals("ok", send(url, FORM, "d=%5B%5D").body());
    assertEquals("ok", send(url, FORM, form(payload(echo("r", "x")))).body());
    assertEquals("x", echoed(frame("x", RawHttp.get(gateway.port, url + "/jsonp?c=x").body()), "r"));
  }

  @Test
  void sendToAnUnknownSessionIsNotFound() {
    Response r = send(Conformance.session(), FORM, form(payload(echo("r", "x"))));
    assertEquals(404, r.status(), r.toString());
  }

  @Test
  void secondConcurrentPollGets2010AndTheWaitingOneKeepsWorking() {
    String url = Conformance.session();
    assertEquals("/**/x(\"o\");\r\n", RawHttp.get(gateway.port, url + "/jsonp?c=x").body());
    try (RawHttp waiting = RawHttp.open(gateway.port)) {
      waiting.send("GET", url + "/jsonp?c=x", Map.of(), null);
      Conformance.sleep(Conformance.SETTLE_MS);
      assertEquals("/**/y(\"c[2010,\\\"Another connection still open\\\"]\");\r\n",
          RawHttp.get(gateway.port, url + "/jsonp?c=y").body());
      assertEquals("ok", send(url, FORM, form(payload(echo("r", "after")))).body());
      assertEquals("after", echoed(frame("x", waiting.response().body()), "r"));
    }
  }

  static Response send(String session, Map<String, String> headers, String body) {
    return RawHttp.exchange(gateway.port, "POST", session + "/jsonp_send", headers, body);
  }

  static String form(String payload) {
    return "d=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);
  }

  /** The frame inside {@code /**}{@code /CALLBACK("...");\r\n}. */
  static String frame(String callback, String body) {
    Matcher m = Pattern.compile("/\\*\\*/" + Pattern.quote(callback) + "\\((\"[^\r\n]*\")\\);\r\n")
        .matcher(body);
    assertTrue(m.matches(), "not a call of " + callback + ": " + RawHttp.printable(body));
    return (String) Json.decodeValue(m.group(1));
  }
}
