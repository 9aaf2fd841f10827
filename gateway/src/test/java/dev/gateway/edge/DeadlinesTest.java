package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nothing a client opens can be held without doing its part in time. A connection that has not
 * sent a complete request head within {@code server.headerTimeoutMs} is closed, however slowly
 * it trickles bytes; in {@code auth.mode=required} a connection that has not authenticated
 * within {@code auth.deadlineMs} is closed with 1008 (SockJS {@code c[1008,"unauthorized"]}) on
 * every transport; and one client address may hold at most {@code limits.maxHandshakesPerAddress}
 * connections without a complete request head: the next one is closed at once, while other
 * addresses are served.
 */
class DeadlinesTest {

  static final String UNAUTHORIZED = "c[1008,\"unauthorized\"]";

  TestGateway gateway;
  final List<HttpWire> held = new ArrayList<>();

  @AfterEach
  void stop() {
    held.forEach(HttpWire::close);
    if (gateway != null) {
      gateway.close();
    }
  }

  private HttpWire hold(HttpWire w) {
    held.add(w);
    return w;
  }

  private static JsonObject server(Object... keyAndValues) {
    JsonObject s = new JsonObject();
    for (int i = 0; i < keyAndValues.length; i += 2) {
      s.put((String) keyAndValues[i], keyAndValues[i + 1]);
    }
    return s;
  }

  @Test
  void halfARequestLineIsClosedAfterTheHeaderTimeout() {
    gateway = TestGateway.start(Edge.config("server", server("headerTimeoutMs", 1000)));
    HttpWire w = hold(HttpWire.open("127.0.0.1", gateway.port).write("GET /health/li"));
    long start = System.nanoTime();
    assertTrue(w.awaitClosed(3000), "half a request line still open after 3 s (server.headerTimeoutMs 1000)");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms >= 500, "closed after " + ms + " ms, before the header timeout");
  }

  @Test
  void aHeadTrickledByteByByteIsClosedAtTheHeaderTimeout() throws Exception {
    gateway = TestGateway.start(Edge.config("server", server("headerTimeoutMs", 1000)));
    HttpWire w = hold(HttpWire.open("127.0.0.1", gateway.port).write("GET /health/live HTTP/1.1\r\n"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    boolean closed = false;
    while (!closed && System.nanoTime() < deadline) {
      closed = !w.tryWrite("X") || w.awaitClosed(200); // one byte of a header name every 200 ms
    }
    assertTrue(closed, "a head trickled one byte every 200 ms still open after 3 s (server.headerTimeoutMs 1000)");
  }

  @Test
  void aCompleteRequestInTimeIsServed() {
    gateway = TestGateway.start(Edge.config("server", server("headerTimeoutMs", 1000)));
    HttpWire.Response r = HttpWire.exchange("127.0.0.1", gateway.port, "GET", "/health/live", Map.of(), null, 3);
    assertEquals(200, r.status(), r.toString());
  }

  private void startRequired() {
    gateway = TestGateway.start(Edge.config("auth", Edge.auth("required", "deadlineMs", 1000)));
  }

  @Test
  void pollingSessionWithoutATokenIsClosedAtTheAuthDeadline() {
    startRequired();
    String id = "noauth" + System.nanoTime();
    assertEquals("o\n", HttpWire.sockJs("127.0.0.1", gateway.port, id, "xhr", null, 3).body());
    HttpWire.Response poll;
    try {
      poll = HttpWire.sockJs("127.0.0.1", gateway.port, id, "xhr", null, 3);
    } catch (AssertionError e) {
      throw new AssertionError("the poll of a session without a token was not answered within 3 s"
          + " (auth.deadlineMs 1000): " + e.getMessage(), e);
    }
    assertEquals(UNAUTHORIZED + "\n", poll.body(), "the poll of a session without a token");
  }

  @Test
  void streamingSessionWithoutATokenIsClosedAtTheAuthDeadline() {
    startRequired();
    HttpWire stream = hold(HttpWire.sockJs("127.0.0.1", gateway.port, "noauth" + System.nanoTime(), "xhr_streaming", null));
    stream.awaitBody("o\n", 3);
    stream.awaitBody(UNAUTHORIZED, 3);
  }

  @Test
  void webSocketsWithoutATokenAreClosedWith1008AtTheAuthDeadline() {
    startRequired();
    try (RawWebSocket raw = RawWebSocket.connect(gateway.port, "/eventbus/websocket", 0);
         RawWebSocket framed = RawWebSocket.connect(gateway.port, "/eventbus/000/noauthws/websocket", 0)) {
      assertAll(
          () -> assertEquals(1008, Edge.step("/eventbus/websocket without a token, close code within 3 s",
              () -> raw.awaitCloseCode(3))),
          () -> {
            String what = "/eventbus/000/noauthws/websocket without a token";
            assertEquals("o", Edge.step(what + ", open frame", () -> framed.readText(3)));
            assertEquals(UNAUTHORIZED, Edge.step(what + ", close frame within 3 s", () -> framed.awaitText("c[", 3)));
          });
    }
  }

  @Test
  void halfOpenConnectionsPerAddressAreCapped() throws Exception {
    gateway = TestGateway.start(Edge.config("server", server("headerTimeoutMs", 30_000),
        "limits", new JsonObject().put("maxHandshakesPerAddress", 8)));
    String half = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 8; i++) {
      hold(HttpWire.open("127.0.0.1", gateway.port).write(half));
    }
    TimeUnit.MILLISECONDS.sleep(300); // the gateway has seen the eight
    HttpWire ninth = hold(HttpWire.open("127.0.0.1", gateway.port));
    ninth.tryWrite(half);
    boolean ninthClosed = ninth.awaitClosed(1500);
    HttpWire.Response elsewhere = HttpWire.exchange("127.0.0.3", gateway.port, "GET", "/health/live", Map.of(), null, 3);
    assertAll(
        () -> assertTrue(ninthClosed, "the 9th half-open connection from 127.0.0.1 was not closed at once"
            + " (limits.maxHandshakesPerAddress 8)"),
        () -> assertEquals(200, elsewhere.status(), "a request from 127.0.0.3 meanwhile: " + elsewhere));
    held.forEach(HttpWire::close);
    held.clear();
    TimeUnit.MILLISECONDS.sleep(300);
    HttpWire.Response again = HttpWire.exchange("127.0.0.1", gateway.port, "GET", "/health/live", Map.of(), null, 3);
    assertEquals(200, again.status(), "127.0.0.1 once its half-open connections closed: " + again);
  }
}
