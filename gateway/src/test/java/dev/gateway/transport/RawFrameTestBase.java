package dev.gateway.transport;

import static dev.gateway.support.RawFrame.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One gateway per test class with tiny size limits, and a healthy {@link BridgeClient} registered
 * to {@code chat.health} before any attack. After every test a sequence-numbered message is
 * published through {@code POST /api/publish} and the healthy client must receive it: an attack
 * on one connection must not hurt the others.
 */
abstract class RawFrameTestBase {

  static final int MAX_FRAME = 1024;
  static final int MAX_MESSAGE = 4096;
  static final String HEALTH = "chat.health";

  /** One node per test class (each subclass gets its own). */
  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("limits", new JsonObject().put("maxFrameBytes", MAX_FRAME).put("maxMessageBytes", MAX_MESSAGE))
      .put("demo", new JsonObject().put("clockIntervalMs", 60_000)));
  static BridgeClient healthy;
  private static final AtomicInteger SEQ = new AtomicInteger();

  @BeforeAll
  static void connectHealthyClient() {
    healthy = gw.connect().register(HEALTH); // closed after the class
  }

  /** The healthy client, registered before the attack, still gets broadcasts after it. */
  @AfterEach
  void healthyClientStillReceives() {
    int seq = SEQ.incrementAndGet();
    assertEquals(202, apiPublish(HEALTH, new JsonObject().put("seq", seq)), "POST /api/publish");
    JsonObject rec = healthy.await(m -> "rec".equals(m.getString("type"))
        && HEALTH.equals(m.getString("address"))
        && m.getJsonObject("body") != null
        && Integer.valueOf(seq).equals(m.getJsonObject("body").getInteger("seq")), 5);
    assertNotNull(rec, "healthy client did not receive message #" + seq + " after the attack");
    assertTrue(healthy.awaitClose(0) == null, "healthy client was closed");
  }

  /** Publishes through the HTTP API; returns the status. */
  static int apiPublish(String address, Object body) {
    return gw.publish(address, body);
  }

  /**
   * Asserts {@code sub} got nothing on {@code address} so far: publishes a marker through the
   * HTTP API and requires it to be the first message that arrives there. Anything the attacker's
   * connection published went to the event bus before its connection was closed, so before the
   * marker.
   */
  static void assertNothingBeforeMarker(BridgeClient sub, String address) {
    String marker = "marker-" + SEQ.incrementAndGet();
    assertEquals(202, apiPublish(address, marker), "POST /api/publish");
    JsonObject first = sub.awaitRec(address, 5);
    assertNotNull(first, "marker not received on " + address);
    assertEquals(marker, first.getValue("body"), "a message reached " + address + " before the marker");
  }

  /** A fresh raw connection upgraded on {@code /ws}. */
  static RawWebSocket raw() {
    return RawWebSocket.connect(gw.port());
  }

  /**
   * Asserts the server answers with a close frame carrying {@code code} and then ends the TCP
   * connection (after the client's close reply, as in a clean closing handshake).
   */
  static void assertClosedWith(RawWebSocket ws, int code) {
    int actual = ws.awaitCloseCode(5);
    assertEquals(code, actual, "close code");
    assertTcpClosedAfterCloseReply(ws, code);
  }

  /** As {@link #assertClosedWith(RawWebSocket, int)}, for a close frame already read. */
  static void assertClosedWith(RawWebSocket ws, RawWebSocket.Frame close, int code) {
    assertEquals(code, close.closeCode(), "close code");
    assertTcpClosedAfterCloseReply(ws, code);
  }

  private static void assertTcpClosedAfterCloseReply(RawWebSocket ws, int code) {
    try {
      ws.send(RawFrame.frame(RawFrame.CLOSE, RawFrame.closePayload(code, "")));
    } catch (RuntimeException alreadyGone) {
      // the server may already have ended the TCP connection
    }
    assertTrue(ws.awaitTcpClose(5), "server did not close the TCP connection after close " + code);
  }

  /** Registers with an ack over the raw socket: proves the connection is open and working. */
  static void assertRegisterAcked(RawWebSocket ws, String address) {
    ws.send(text(new JsonObject().put("type", "register").put("address", address)
        .put("ack", "a1").encode()));
    JsonObject ack = new JsonObject(ws.awaitText(5));
    assertEquals("ack", ack.getString("type"), ack.encode());
    assertEquals("a1", ack.getString("ack"));
  }
}
