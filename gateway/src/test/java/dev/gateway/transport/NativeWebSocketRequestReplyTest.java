package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Native WebSocket request/reply: {@code send} with a replyAddress to the demo {@code echo}
 * service, sends without one, and failures addressed to the reply address.
 */
class NativeWebSocketRequestReplyTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.defaults();
  /**
   * A node that lets clients send and register anywhere (the unsafe configuration, accepted
   * only with permissions.allowAnySubscribe) and times requests out quickly.
   */
  @RegisterExtension
  static final GatewayExtension open = GatewayExtension.config(new JsonObject()
      .put("permissions", new JsonObject().put("send", new JsonArray().add("*"))
          .put("subscribe", new JsonArray().add("*")).put("allowAnySubscribe", true))
      .put("limits", new JsonObject().put("requestTimeoutMs", 500)));

  static JsonObject send(String address, Object body, String replyAddress) {
    JsonObject m = new JsonObject().put("type", "send").put("address", address).put("body", body);
    if (replyAddress != null) {
      m.put("replyAddress", replyAddress);
    }
    return m;
  }

  static String replyAddress() {
    return "reply." + UUID.randomUUID();
  }

  static Stream<Object> bodies() {
    return Stream.of(new JsonObject().put("text", "hi").put("nested", new JsonObject().put("n", 1)),
        "a string", 42, -7, 3.25, 12345678901L, true, new JsonArray().add(1).add("two"));
  }

  @ParameterizedTest
  @MethodSource("bodies")
  void echoRepliesWithTheSameBodyToTheReplyAddress(Object body) {
    try (BridgeClient c = gw.connect()) {
      String r = replyAddress();
      c.send(send("echo", body, r));
      JsonObject reply = c.next(5);
      assertNotNull(reply, "no reply from echo");
      assertEquals("rec", reply.getString("type"), reply.encode());
      assertEquals(r, reply.getString("address"));
      assertEquals(body, reply.getValue("body"));
    }
  }

  @Test
  void concurrentRequestsEachGetTheirOwnReply() {
    try (BridgeClient c = gw.connect()) {
      for (int i = 0; i < 20; i++) {
        c.send(send("echo", new JsonObject().put("i", i), "reply.n." + i));
      }
      for (int i = 0; i < 20; i++) {
        String r = "reply.n." + i;
        JsonObject reply = c.awaitRec(r, 5);
        assertNotNull(reply, "no reply for " + r);
        assertEquals(i, reply.getJsonObject("body").getInteger("i"));
      }
    }
  }

  @Test
  void echoReturnsTheRequestHeaders() {
    try (BridgeClient c = gw.connect()) {
      c.send(send("echo", "h", "reply.h").put("headers", new JsonObject().put("x-request-id", "42")));
      JsonObject reply = c.awaitRec("reply.h", 5);
      assertNotNull(reply);
      assertEquals("42", reply.getJsonObject("headers").getString("x-request-id"));
    }
  }

  @Test
  void sendWithoutReplyAddressIsAcceptedSilently() {
    try (BridgeClient c = gw.connect()) {
      c.send(send("echo", new JsonObject().put("fire", "forget"), null));
      c.send(new JsonObject().put("type", "register").put("address", "chat.after").put("ack", "a1"));
      // nothing (no err, no reply) comes before the ack of the following message
      dev.gateway.support.BridgeClient.assertAck("a1", c.next(5));
    }
  }

  @Test
  void sendToANonAllowedAddressWithReplyAddressFailsToThatAddress() {
    try (BridgeClient c = gw.connect()) {
      String r = replyAddress();
      c.send(send("billing.charge", 1, r));
      JsonObject err = c.next(5);
      assertNotNull(err, "no answer to a denied send");
      assertEquals("err", err.getString("type"), err.encode());
      assertEquals(r, err.getString("address"), err.encode());
      assertEquals("ACCESS_DENIED", err.getString("failureType"), err.encode());
      assertEquals(-1, err.getInteger("failureCode"), err.encode());
      assertEquals("access_denied", err.getString("body"), err.encode());
    }
  }

  @Test
  void sendToAnInternalAddressIsDeniedEvenWhenSendIsOpen() {
    try (BridgeClient c = open.connect()) {
      String r = replyAddress();
      c.send(send("gateway.internal.secret", 1, r));
      JsonObject err = c.next(5);
      assertNotNull(err);
      assertEquals(r, err.getString("address"), err.encode());
      assertEquals("ACCESS_DENIED", err.getString("failureType"), err.encode());
    }
  }

  @Test
  void sendToAnAddressWithNoHandlerFailsWithNoHandlers() {
    try (BridgeClient c = open.connect()) {
      String r = replyAddress();
      c.send(send("nobody.listens.here", new JsonObject().put("q", 1), r));
      JsonObject err = c.next(5);
      assertNotNull(err, "no failure for a send nobody handles");
      assertEquals("err", err.getString("type"), err.encode());
      assertEquals(r, err.getString("address"), err.encode());
      assertEquals("NO_HANDLERS", err.getString("failureType"), err.encode());
      assertNotNull(err.getInteger("failureCode"), err.encode());
      assertNotNull(err.getString("message"), err.encode());
    }
  }

  @Test
  void sendWithoutReplyAddressToAnAddressWithNoHandlerIsSilent() {
    try (BridgeClient c = open.connect()) {
      c.send(send("nobody.listens.here", 1, null));
      c.send(new JsonObject().put("type", "register").put("address", "chat.x").put("ack", "a2"));
      dev.gateway.support.BridgeClient.assertAck("a2", c.next(5));
    }
  }

  @Test
  void requestToAChannelFailsAtOnce() {
    // a subscribed channel has a (gateway) consumer on the event bus; subscribers cannot reply,
    // so the request fails at once instead of waiting for the timeout
    try (BridgeClient sub = open.connect();
         BridgeClient c = open.connect()) {
      sub.register("room.silent");
      String r = replyAddress();
      c.send(send("room.silent", "anyone?", r));
      JsonObject err = c.await(m -> r.equals(m.getString("address")), 5);
      assertNotNull(err, "no failure");
      assertEquals("err", err.getString("type"), err.encode());
      assertEquals("RECIPIENT_FAILURE", err.getString("failureType"), err.encode());
      assertEquals(405, err.getInteger("failureCode"), err.encode());
    }
  }
}
