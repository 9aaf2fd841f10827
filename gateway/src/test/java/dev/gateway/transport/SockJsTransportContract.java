package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * What every SockJS transport of {@code /eventbus} must do, against a real gateway with real
 * Vert.x clients: one subclass per transport registers the gateway it runs against and supplies
 * how to open a session.
 */
abstract class SockJsTransportContract {

  /** The gateway of the subclass ({@code @RegisterExtension static}). */
  protected abstract GatewayExtension gw();

  /** Opens a session on the transport under test (waits for it to be open). */
  protected abstract SockJsSession open();

  /** The transport's tag on the gateway's metrics. */
  protected abstract String transportTag();

  /** A channel name private to one test (and transport). */
  protected String channel(TestInfo info) {
    return "chat." + transportTag() + "." + info.getTestMethod().orElseThrow().getName()
        + "." + System.nanoTime();
  }

  protected String connectionsGauge() {
    return "gateway_connections{transport=\"" + transportTag() + "\"}";
  }

  /** Waits until the sample has the value; returns the last value seen. */
  protected double awaitMetric(String sample, double expected, long seconds) {
    return gw().awaitMetric(sample, v -> v == expected, seconds);
  }

  /** {@code POST /api/publish}; returns the status. */
  protected int apiPublish(String address, Object body) {
    return gw().publish(address, body);
  }

  /**
   * Publishes {@code n} messages of about {@code size} characters through the HTTP API and
   * checks the session receives all of them, in order.
   */
  protected void publishManyAndReceiveInOrder(SockJsSession s, String address, int n, int size) {
    String padding = "x".repeat(size);
    for (int i = 0; i < n; i++) {
      assertEquals(202, apiPublish(address, new JsonObject().put("seq", i).put("pad", padding)));
    }
    for (int i = 0; i < n; i++) {
      JsonObject rec = s.awaitRec(address, 10);
      assertNotNull(rec, "message " + i + " of " + n + " missing; failure=" + s.failure());
      assertEquals(i, rec.getJsonObject("body").getInteger("seq"), "out of order");
    }
  }

  @Test
  void connectionGaugeIsOneWhileOpenAndZeroAfterClose(TestInfo info) throws Exception {
    assertEquals(0.0, awaitMetric(connectionsGauge(), 0.0, 10), "sessions of earlier tests still open");
    SockJsSession s = open();
    try {
      // the ack proves the gateway-side connection exists
      s.register(channel(info));
      assertEquals(1.0, gw().metric(connectionsGauge()), connectionsGauge());
    } finally {
      s.close();
    }
    assertEquals(0.0, awaitMetric(connectionsGauge(), 0.0, 10), "connection not ended after close");
  }

  @Test
  void registerAndUnregisterAreAcknowledgedOnTheSession(TestInfo info) {
    String address = channel(info);
    try (SockJsSession s = open()) {
      s.send(new JsonObject().put("type", "register").put("address", address).put("ack", "a1"));
      JsonObject ack = s.await(m -> "ack".equals(m.getString("type")), 10);
      assertNotNull(ack, "no ack; frames=" + s.frames());
      assertEquals("a1", ack.getString("ack"));
      s.send(new JsonObject().put("type", "unregister").put("address", address).put("ack", "u1"));
      JsonObject unack = s.await(m -> "ack".equals(m.getString("type")), 10);
      assertNotNull(unack, "no unregister ack; frames=" + s.frames());
      assertEquals("u1", unack.getString("ack"));
      // unregistered: a publish no longer arrives, but a message after it still does
      assertEquals(202, apiPublish(address, "after-unregister"));
      s.send(new JsonObject().put("type", "register").put("address", address + ".x").put("ack", "a2"));
      JsonObject next = s.await(m -> true, 10);
      assertNotNull(next);
      assertEquals("ack", next.getString("type"), "unexpected message after unregister: " + next);
      assertEquals("a2", next.getString("ack"));
    }
  }

  @Test
  void receivesMessagePublishedThroughHttpApi(TestInfo info) {
    String address = channel(info);
    try (SockJsSession s = open()) {
      s.register(address);
      assertEquals(202, apiPublish(address, new JsonObject().put("n", 1).put("text", "héllo \"quoted\"")));
      JsonObject rec = s.awaitRec(address, 10);
      assertNotNull(rec, "nothing received; frames=" + s.frames());
      assertEquals(new JsonObject().put("n", 1).put("text", "héllo \"quoted\""), rec.getJsonObject("body"));
    }
  }

  @Test
  void exchangesMessagesWithNativeWebSocketClient(TestInfo info) {
    String address = channel(info);
    try (SockJsSession s = open();
         BridgeClient ws = gw().connect()) {
      s.register(address);
      ws.register(address);
      ws.publish(address, new JsonObject().put("from", "ws"));
      JsonObject rec = s.awaitRec(address, 10);
      assertNotNull(rec, "SockJS session missed the /ws publish; frames=" + s.frames());
      assertEquals("ws", rec.getJsonObject("body").getString("from"));

      s.publish(address, new JsonObject().put("from", "sockjs"));
      JsonObject back = ws.await(m -> "rec".equals(m.getString("type"))
          && "sockjs".equals(m.getJsonObject("body").getString("from")), 10);
      assertNotNull(back, "/ws client missed the SockJS publish");
    }
  }

  @Test
  void receivesMessagePublishedByAnotherSockJsSession(TestInfo info) {
    String address = channel(info);
    try (SockJsSession a = open(); SockJsSession b = open()) {
      a.register(address);
      b.publish(address, "from b");
      JsonObject rec = a.awaitRec(address, 10);
      assertNotNull(rec, "nothing received; frames=" + a.frames());
      assertEquals("from b", rec.getString("body"));
    }
  }

  @Test
  void sendWithReplyAddressToEchoGetsReply() {
    try (SockJsSession s = open()) {
      JsonObject body = new JsonObject().put("ping", 42);
      s.send(new JsonObject().put("type", "send").put("address", "echo").put("body", body)
          .put("replyAddress", "reply-1"));
      JsonObject rec = s.awaitRec("reply-1", 10);
      assertNotNull(rec, "no reply; frames=" + s.frames());
      assertEquals(body, rec.getJsonObject("body"));
    }
  }

  @Test
  void malformedJsonMessageGetsInvalidJson() {
    try (SockJsSession s = open()) {
      s.sendMessages("{\"type\":\"publish\",");
      JsonObject err = s.awaitErr("invalid_json", 10);
      assertNotNull(err, "no invalid_json; frames=" + s.frames());
      assertTrue(err.containsKey("message"));
      // the session survives a bad message
      s.send(new JsonObject().put("type", "send").put("address", "echo").put("body", "still here")
          .put("replyAddress", "r-after-error"));
      assertNotNull(s.awaitRec("r-after-error", 10), "session unusable after invalid_json");
    }
  }

  @Test
  void forbiddenAddressesGetAccessDenied() {
    try (SockJsSession s = open()) {
      s.publish("news." + transportTag(), "nope");
      assertNotNull(s.awaitErr("access_denied", 10), "publish outside chat.* not denied; frames=" + s.frames());

      s.send(new JsonObject().put("type", "register").put("address", "__vertx.secret").put("ack", "x"));
      JsonObject err = s.await(m -> "err".equals(m.getString("type")) || "ack".equals(m.getString("type")), 10);
      assertNotNull(err);
      assertEquals("access_denied", err.getString("body"), "register to internal address: " + err);

      s.send(new JsonObject().put("type", "send").put("address", "not-echo").put("body", 1)
          .put("replyAddress", "r-denied"));
      JsonObject failure = s.await(m -> "r-denied".equals(m.getString("address")), 10);
      assertNotNull(failure, "denied send with replyAddress got no answer");
      assertEquals("err", failure.getString("type"));
      assertEquals("ACCESS_DENIED", failure.getString("failureType"));
      assertNull(s.closeFrame(), "session closed after denials");
    }
  }
}
