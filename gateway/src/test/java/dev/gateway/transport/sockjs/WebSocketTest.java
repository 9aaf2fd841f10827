package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.CLOSE_FRAME;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.echoed;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawFrame;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Head;
import dev.gateway.transport.sockjs.RawHttp.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 websocket transport, {@code /*\/*\/websocket} (reference classes
 * WebsocketHttpErrors and Websocket): what is not an RFC 6455 upgrade is refused, {@code o} then
 * {@code a[...]} frames, empty frames ignored, broken JSON ends the connection, and a session id
 * may serve two WebSocket sessions at once.
 */
class WebSocketTest {

  static TestGateway gateway;
  static TestGateway closing;

  @BeforeAll
  static void start() {
    gateway = Conformance.start(Conformance.config());
    closing = Conformance.start(Conformance.closingConfig());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    closing.close();
  }

  @Test
  void plainGetIsABadRequest() {
    assertEquals(400, RawHttp.get(gateway.port, Conformance.session() + "/websocket").status());
  }

  /** A proxy that rewrote {@code Connection} broke the upgrade: refuse it. */
  @Test
  void connectionHeaderOtherThanUpgradeIsABadRequest() {
    Response r = RawHttp.exchange(gateway.port, "GET", Conformance.session() + "/websocket",
        Map.of("Upgrade", "WebSocket", "Connection", "close"), null);
    assertEquals(400, r.status(), r.toString());
  }

  @Test
  void onlyGetIsAllowed() {
    for (Map<String, String> headers : List.of(Map.of("Upgrade", "WebSocket", "Connection", "Upgrade"),
        Map.<String, String>of())) {
      Response r = RawHttp.exchange(gateway.port, "POST", Conformance.session() + "/websocket",
          headers, null);
      assertEquals(405, r.status(), r.toString());
      assertNull(r.header("content-type"), r.toString());
      assertNotNull(r.header("allow"), r.toString());
      assertEquals("", r.body());
    }
  }

  /** RFC 6455 and nothing else: drafts 7 and 8, other numbers and hixie-76 get 426. */
  @Test
  void onlyVersion13IsSpoken() {
    for (String path : List.of(Conformance.session() + "/websocket", Conformance.BASE + "/websocket")) {
      for (String version : List.of("7", "8", "12", "14")) {
        Map<String, String> h = RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey());
        h.put("Sec-WebSocket-Version", version);
        Response r = RawHttp.exchange(gateway.port, "GET", path, h, null);
        assertEquals(426, r.status(), path + " version " + version + ": " + r);
        assertEquals("13", r.header("sec-websocket-version"), r.toString());
      }
      Map<String, String> hixie = new LinkedHashMap<>();
      hixie.put("Host", "127.0.0.1:" + gateway.port);
      hixie.put("Connection", "Upgrade");
      hixie.put("Upgrade", "WebSocket");
      hixie.put("Sec-WebSocket-Key1", "4 @1  46546xW%0l 1 5");
      hixie.put("Sec-WebSocket-Key2", "12998 5 Y3 1  .P00");
      Response r = RawHttp.exchange(gateway.port, "GET", path, hixie, null);
      assertEquals(426, r.status(), path + " hixie-76: " + r);
    }
  }

  @Test
  void upgradeHeadersAreSane() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Upgrade", "websocket");
    h.put("Connection", "Upgrade");
    h.put("Sec-WebSocket-Version", "13");
    h.put("Sec-WebSocket-Origin", "http://asd");
    h.put("Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw==");
    try (RawHttp c = RawHttp.open(gateway.port)) {
      Head head = c.send("GET", Conformance.session() + "/websocket", h, null).head();
      assertEquals(101, head.status(), head.toString());
      assertEquals("HSmrc0sMlYUkAGmm5OPpG2HaGWk=", head.header("sec-websocket-accept"));
      assertEquals("upgrade", head.header("connection").toLowerCase());
      assertEquals("websocket", head.header("upgrade").toLowerCase());
      assertNull(head.header("content-length"), head.toString());
      Conformance.assertNoCookie(head);
    }
  }

  @Test
  void transport() {
    try (RawWebSocket ws = connect(gateway)) {
      assertEquals("o", ws.readText(5));
      ws.send(RawFrame.text(payload(echo("r", "a"))));
      assertEquals("a", echoed(ws.readText(5), "r"));
    }
  }

  /** The gateway closes the session: the close frame, then the end of the connection. */
  @Test
  void closeFrameThenTheConnectionEnds() {
    try (RawWebSocket ws = connect(closing)) {
      assertEquals("o", ws.readText(5));
      ws.send(RawFrame.text(Conformance.closeTrigger()));
      assertEquals(CLOSE_FRAME, ws.readText(5));
      // drain answers the WebSocket close, as a client does, and reads to the end
      RawWebSocket.Drain end = ws.drain(5_000);
      assertEquals(4003, end.closeCode(), "WebSocket close after the SockJS close frame: " + end);
      assertTrue(end.end().equals("eof") || end.end().startsWith("reset"), "not closed: " + end);
    }
  }

  /** Empty messages and frames without messages are ignored (not errors, not messages). */
  @Test
  void emptyFramesAreIgnored() {
    try (RawWebSocket ws = connect(gateway)) {
      assertEquals("o", ws.readText(5));
      ws.send(RawFrame.text(""));
      ws.send(RawFrame.text("[]"));
      ws.send(RawFrame.text(payload(echo("r", "a"))));
      assertEquals("a", echoed(ws.readText(5), "r"));
    }
  }

  /**
   * A SockJS WebSocket session lives as long as its socket: two at once may share an id, and the
   * id may be used again after both closed.
   */
  @Test
  void sessionIdMayBeReused() {
    String url = Conformance.session() + "/websocket";
    try (RawWebSocket ws1 = RawWebSocket.connect(gateway.port, url, 0);
         RawWebSocket ws2 = RawWebSocket.connect(gateway.port, url, 0)) {
      assertEquals("o", ws1.readText(5));
      assertEquals("o", ws2.readText(5));
      ws1.send(RawFrame.text(payload(echo("r1", "a"))));
      assertEquals("a", echoed(ws1.readText(5), "r1"));
      ws2.send(RawFrame.text(payload(echo("r2", "b"))));
      assertEquals("b", echoed(ws2.readText(5), "r2"));
      // neither was closed by the other
      assertNull(ws1.poll(100));
      assertNull(ws2.poll(100));
    }
    try (RawWebSocket again = RawWebSocket.connect(gateway.port, url, 0)) {
      assertEquals("o", again.readText(5));
      again.send(RawFrame.text(payload(echo("r", "a"))));
      assertEquals("a", echoed(again.readText(5), "r"));
    }
  }

  /** Broken data ends the connection abruptly. */
  @Test
  void brokenJsonEndsTheConnection() {
    try (RawWebSocket ws = connect(gateway)) {
      assertEquals("o", ws.readText(5));
      ws.send(RawFrame.text("[\"a"));
      RawWebSocket.Drain end = ws.drain(5_000);
      assertTrue(end.end().equals("eof") || end.end().startsWith("reset"),
          "connection still open after broken JSON: " + end);
    }
  }

  static RawWebSocket connect(TestGateway g) {
    return RawWebSocket.connect(g.port, Conformance.session() + "/websocket", 0);
  }
}
