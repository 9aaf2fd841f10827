package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Native WebSocket: every protocol error answers with its stable code and leaves the connection
 * usable; permissions; the per-connection channel limit. Framing (binary frames, control frames,
 * RFC 6455 violations): {@link RawFrameProtocolTest}.
 */
class NativeWebSocketProtocolTest {

  static final int MAX_CHANNELS = 3;
  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("limits", new JsonObject().put("maxChannelsPerConnection", MAX_CHANNELS)));

  /** The very next message must be {@code {"type":"err","body":code,"message":...}}. */
  static JsonObject expectErr(BridgeClient c, String code) {
    JsonObject m = c.next(5);
    assertNotNull(m, "no answer, expected err " + code);
    assertEquals("err", m.getString("type"), m.encode());
    assertEquals(code, m.getString("body"), m.encode());
    assertFalse(m.getString("message", "").isBlank(), "err without a message: " + m);
    return m;
  }

  /** The connection still works: a register with ack is answered with the ack and nothing before it. */
  static void assertUsable(BridgeClient c) {
    String id = "usable-" + System.nanoTime();
    c.send(new JsonObject().put("type", "register").put("address", "chat.usable").put("ack", id));
    JsonObject m = c.next(5);
    assertNotNull(m, "connection no longer answers");
    dev.gateway.support.BridgeClient.assertAck(id, m);
  }

  static void assertRejected(String frame, String code) {
    try (BridgeClient c = gw.connect()) {
      c.socket.writeTextMessage(frame);
      expectErr(c, code);
      assertUsable(c);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"{not json", "[1,2,3]", "\"just a string\"", "42", "null", ""})
  void malformedJsonIsInvalidJsonAndConnectionStaysUsable(String frame) {
    assertRejected(frame, "invalid_json");
  }

  @Test
  void severalErrorsInARowDoNotCloseTheConnection() {
    try (BridgeClient c = gw.connect()) {
      for (int i = 0; i < 20; i++) {
        c.socket.writeTextMessage("{broken " + i);
      }
      for (int i = 0; i < 20; i++) {
        expectErr(c, "invalid_json");
      }
      assertUsable(c);
    }
  }

  @Test
  void missingType() {
    assertRejected("{\"address\":\"chat.a\",\"body\":1}", "missing_type");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"type\":\"subscribe\",\"address\":\"chat.a\"}",
      "{\"type\":\"REGISTER\",\"address\":\"chat.a\"}", "{\"type\":7,\"address\":\"chat.a\"}"})
  void unknownTypeIsInvalidType(String frame) {
    assertRejected(frame, "invalid_type");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"type\":\"register\"}", "{\"type\":\"unregister\"}",
      "{\"type\":\"publish\",\"body\":1}", "{\"type\":\"send\",\"body\":1,\"replyAddress\":\"r\"}",
      "{\"type\":\"register\",\"address\":\"\"}", "{\"type\":\"register\",\"address\":12}",
      "{\"type\":\"publish\",\"address\":null,\"body\":1}"})
  void missingAddress(String frame) {
    assertRejected(frame, "missing_address");
  }

  @Test
  void addressLongerThan255IsRejectedAnd255IsAccepted() {
    String ok = "chat." + "x".repeat(255 - 5);
    String tooLong = ok + "y";
    assertRejected(new JsonObject().put("type", "register").put("address", tooLong).encode(), "address_too_long");
    assertRejected(new JsonObject().put("type", "publish").put("address", tooLong).put("body", 1).encode(),
        "address_too_long");
    assertRejected(new JsonObject().put("type", "send").put("address", "echo").put("body", 1)
        .put("replyAddress", "r".repeat(256)).encode(), "address_too_long");
    try (BridgeClient c = gw.connect()) {
      c.register(ok); // fails the test if no ack arrives
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"type\":\"publish\",\"address\":\"chat.a\",\"body\":1,\"headers\":\"x\"}",
      "{\"type\":\"publish\",\"address\":\"chat.a\",\"body\":1,\"headers\":[1]}",
      "{\"type\":\"publish\",\"address\":\"chat.a\",\"body\":1,\"headers\":{\"h\":{\"nested\":1}}}",
      "{\"type\":\"send\",\"address\":\"echo\",\"body\":1,\"replyAddress\":5}",
      "{\"type\":\"register\",\"address\":\"chat.a\",\"ack\":{}}"})
  void wrongFieldTypesAreInvalidField(String frame) {
    assertRejected(frame, "invalid_field");
  }

  @ParameterizedTest
  @ValueSource(strings = {"gateway.publishedAt", "gateway.anything"})
  void clientHeaderInTheInternalNamespaceIsInvalidField(String header) {
    try (BridgeClient c = gw.connect();
         BridgeClient sub = gw.connect()) {
      sub.register("chat.spoof");
      c.send(new JsonObject().put("type", "publish").put("address", "chat.spoof").put("body", "spoof")
          .put("headers", new JsonObject().put(header, "1")));
      expectErr(c, "invalid_field");
      // the rejected message was not published: the next one to arrive is the later, valid one
      c.publish("chat.spoof", "valid");
      JsonObject rec = sub.awaitRec("chat.spoof", 5);
      assertNotNull(rec);
      assertEquals("valid", rec.getValue("body"));
      assertUsable(c);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"news", "echo", "clock", "gateway.internal.x", "__vertx.x", "chat"})
  void publishOutsideChatIsAccessDenied(String address) {
    assertRejected(new JsonObject().put("type", "publish").put("address", address).put("body", 1).encode(),
        "access_denied");
  }

  @ParameterizedTest
  @ValueSource(strings = {"gateway.internal.x", "__vertx.x", "gateway.internal.", "__vertx.reply.1"})
  void registerToInternalNamespaceIsAccessDenied(String address) {
    assertRejected(new JsonObject().put("type", "register").put("address", address).put("ack", "a").encode(),
        "access_denied");
  }

  @Test
  void sendWithoutReplyAddressToANonAllowedAddressIsAccessDenied() {
    assertRejected(new JsonObject().put("type", "send").put("address", "billing").put("body", 1).encode(),
        "access_denied");
  }

  @Test
  void tooManyChannels() {
    try (BridgeClient c = gw.connect()) {
      for (int i = 0; i < MAX_CHANNELS; i++) {
        c.register("chat.limit." + i);
      }
      c.send(new JsonObject().put("type", "register").put("address", "chat.limit.extra").put("ack", "x"));
      expectErr(c, "too_many_channels");
      // registering again to a channel it already has is not a new channel
      c.register("chat.limit.0");
      // after one unregister there is room again
      c.send(new JsonObject().put("type", "unregister").put("address", "chat.limit.1").put("ack", "u"));
      assertEquals("u", c.next(5).getString("ack"));
      c.register("chat.limit.extra");
    }
  }

  /**
   * The ack means "registered, you miss nothing from now on". A second register of a channel whose
   * registration is still in flight must not be acknowledged before the first one completes: its
   * ack may not overtake the first ack. Both frames go in one TCP write so the server reads them
   * together, before the registration can complete.
   */
  @Test
  void duplicateRegisterIsNotAcknowledgedBeforeTheRegistrationCompletes() {
    try (RawWebSocket ws = RawWebSocket.connect(gw.port())) { // fails unless 101
      ws.send(RawFrame.text("{\"type\":\"register\",\"address\":\"chat.dup\",\"ack\":\"first\"}"),
          RawFrame.text("{\"type\":\"register\",\"address\":\"chat.dup\",\"ack\":\"second\"}"));
      JsonObject m1 = new JsonObject(ws.readText(5));
      JsonObject m2 = new JsonObject(ws.readText(5));
      assertEquals("first", m1.getString("ack"),
          "the duplicate register was acknowledged before the registration completed: " + m1 + " then " + m2);
      assertEquals("second", m2.getString("ack"));
    }
  }

  @Test
  void pingIsNeverAnswered() {
    try (BridgeClient c = gw.connect()) {
      c.send(new JsonObject().put("type", "ping"));
      assertUsable(c); // the ack is the very next message: nothing answered the ping
    }
  }
}
