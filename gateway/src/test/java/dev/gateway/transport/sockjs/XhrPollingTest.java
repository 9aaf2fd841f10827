package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.ORIGIN;
import static dev.gateway.transport.sockjs.Conformance.assertContentType;
import static dev.gateway.transport.sockjs.Conformance.assertCors;
import static dev.gateway.transport.sockjs.Conformance.assertNoBody;
import static dev.gateway.transport.sockjs.Conformance.assertNoCookie;
import static dev.gateway.transport.sockjs.Conformance.assertNotCached;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.echoed;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static dev.gateway.transport.sockjs.Conformance.poll;
import static dev.gateway.transport.sockjs.Conformance.xhrSend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 xhr-polling: {@code POST /*\/*\/xhr} and {@code POST /*\/*\/xhr_send} (reference
 * class XhrPolling, with Protocol's concurrent-receiver rule). Preflights: {@link CorsTest}.
 */
class XhrPollingTest {

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
    Response open = RawHttp.exchange(gateway.port, "POST", url + "/xhr", Conformance.fromOrigin(), null);
    assertEquals(200, open.status(), open.toString());
    assertEquals("o\n", open.body());
    assertContentType(open.head(), "application/javascript;charset=UTF-8");
    assertCors(open.head(), ORIGIN);
    assertNotCached(open.head()); // iOS 6 caches POSTs
    assertNoCookie(open.head());

    Response send = RawHttp.exchange(gateway.port, "POST", url + "/xhr_send",
        Conformance.fromOrigin(), payload(echo("r", "x")));
    assertEquals(204, send.status(), send.toString());
    assertNoBody(send);
    // text/plain even on a 204: Firefox takes a missing type for XML and complains
    assertContentType(send.head(), "text/plain;charset=UTF-8");
    assertCors(send.head(), ORIGIN);
    assertNotCached(send.head());
    assertNoCookie(send.head());

    Response received = RawHttp.post(gateway.port, url + "/xhr", null);
    assertEquals(200, received.status());
    assertTrue(received.body().endsWith("\n"), received.body());
    assertEquals("x", echoed(received.body().strip(), "r"));
    assertNoCookie(received.head());
  }

  @Test
  void sendToAnUnknownSessionIsNotFound() {
    Response r = RawHttp.post(gateway.port, Conformance.session() + "/xhr_send",
        payload(echo("r", "x")));
    assertEquals(404, r.status(), r.toString());
  }

  @Test
  void brokenAndMissingPayloadsAreRefusedAndTheSessionGoesOn() {
    String url = Conformance.session();
    assertEquals("o\n", poll(gateway.port, url));

    Response broken = RawHttp.post(gateway.port, url + "/xhr_send", "[\"x");
    assertEquals(500, broken.status(), broken.toString());
    assertTrue(broken.body().contains("Broken JSON encoding."), broken.body());

    Response empty = RawHttp.post(gateway.port, url + "/xhr_send", "");
    assertEquals(500, empty.status(), empty.toString());
    assertTrue(empty.body().contains("Payload expected."), empty.body());

    xhrSend(gateway.port, url, payload(echo("r", "a")));
    assertEquals("a", echoed(poll(gateway.port, url).strip(), "r"));
  }

  /** Browsers send whatever Content-Type they like: every one is accepted. */
  @Test
  void anyContentTypeIsAccepted() {
    String url = Conformance.session();
    assertEquals("o\n", poll(gateway.port, url));
    List<String> types = List.of("text/plain", "T", "application/json", "application/xml", "",
        "application/json; charset=utf-8", "text/xml; charset=utf-8", "text/xml");
    for (int i = 0; i < types.size(); i++) {
      Response r = RawHttp.exchange(gateway.port, "POST", url + "/xhr_send",
          Map.of("Content-Type", types.get(i)), payload(echo("r", "a" + i)));
      assertEquals(204, r.status(), "Content-Type '" + types.get(i) + "': " + r);
      assertNoBody(r);
    }
    // the echo answers on the event bus: collect the replies, in order, over as many polls
    List<Object> bodies = new ArrayList<>();
    for (int polls = 0; bodies.size() < types.size() && polls < types.size(); polls++) {
      String frame = poll(gateway.port, url).strip();
      for (String m : Conformance.messages(frame)) {
        bodies.add(Conformance.recBody(m, "r"));
      }
    }
    List<Object> expected = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      expected.add("a" + i);
    }
    assertEquals(expected, bodies);
  }

  /** A frame without messages is how a client may keep a session alive. */
  @Test
  void emptyFramesAreAccepted() {
    String url = Conformance.session();
    assertEquals("o\n", poll(gateway.port, url));
    xhrSend(gateway.port, url, "[]");
    xhrSend(gateway.port, url, payload(echo("r", "a")));
    assertEquals("a", echoed(poll(gateway.port, url).strip(), "r"));
  }

  /**
   * A second poll while one waits gets 2010 and ends; the waiting one stays attached and is
   * answered with the next message.
   */
  @Test
  void secondConcurrentPollGets2010AndTheWaitingOneKeepsWorking() {
    String url = Conformance.session();
    assertEquals("o\n", poll(gateway.port, url));
    try (RawHttp waiting = RawHttp.open(gateway.port)) {
      waiting.send("POST", url + "/xhr", Map.of(), null);
      Conformance.sleep(Conformance.SETTLE_MS);
      for (int i = 0; i < 2; i++) {
        assertEquals("c[2010,\"Another connection still open\"]\n", poll(gateway.port, url));
      }
      xhrSend(gateway.port, url, payload(echo("r", "after")));
      Response answered = waiting.response();
      assertEquals(200, answered.status());
      assertEquals("after", echoed(answered.body().strip(), "r"));
    }
    // and the session is still open
    xhrSend(gateway.port, url, payload(echo("r", "still")));
    assertEquals("still", echoed(poll(gateway.port, url).strip(), "r"));
  }
}
