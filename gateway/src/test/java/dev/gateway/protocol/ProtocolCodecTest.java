package dev.gateway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding and encoding of the event-bus bridge JSON protocol, without a server. */
class ProtocolCodecTest {

  static final int MAX = 16;
  final ProtocolCodec codec = new ProtocolCodec(MAX);

  private ClientMessage ok(String text) {
    try {
      return codec.decode(text);
    } catch (ProtocolException e) {
      throw new AssertionError("rejected " + text + ": " + e.code() + " " + e.getMessage(), e);
    }
  }

  private ErrorCode rejected(String text) {
    ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decode(text), text);
    assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "no message for " + text);
    return e.code();
  }

  private static JsonObject json(byte[] bytes) {
    return new JsonObject(new String(bytes, StandardCharsets.UTF_8));
  }

  // ---- decode: every message type, optional fields present and absent

  @Test
  void decodesRegisterAndUnregister() {
    assertEquals(new ClientMessage.Register("chat.a", null), ok("{\"type\":\"register\",\"address\":\"chat.a\"}"));
    assertEquals(new ClientMessage.Register("chat.a", "r1"),
        ok("{\"type\":\"register\",\"address\":\"chat.a\",\"ack\":\"r1\"}"));
    assertEquals(new ClientMessage.Unregister("chat.a", null), ok("{\"type\":\"unregister\",\"address\":\"chat.a\"}"));
    assertEquals(new ClientMessage.Unregister("chat.a", "u1"),
        ok("{\"type\":\"unregister\",\"address\":\"chat.a\",\"ack\":\"u1\",\"extra\":1}"));
  }

  @Test
  void decodesPublish() {
    ClientMessage.Publish p = assertInstanceOf(ClientMessage.Publish.class,
        ok("{\"type\":\"publish\",\"address\":\"chat.a\",\"body\":{\"t\":\"hi\"},\"headers\":{\"k\":\"v\",\"n\":1}}"));
    assertEquals("chat.a", p.address());
    assertEquals(new JsonObject().put("t", "hi"), p.body());
    assertEquals(new JsonObject().put("k", "v").put("n", 1), p.headers());
    assertEquals(new ClientMessage.Publish("chat.a", null, null), ok("{\"type\":\"publish\",\"address\":\"chat.a\"}"));
  }

  @Test
  void decodesSend() {
    ClientMessage.Send s = assertInstanceOf(ClientMessage.Send.class, ok(
        "{\"type\":\"send\",\"address\":\"echo\",\"body\":[1],\"headers\":{\"k\":true},\"replyAddress\":\"r-1\"}"));
    assertEquals("echo", s.address());
    assertEquals(new JsonArray().add(1), s.body());
    assertEquals(new JsonObject().put("k", true), s.headers());
    assertEquals("r-1", s.replyAddress());
    assertEquals(new ClientMessage.Send("echo", "x", null, null),
        ok("{\"type\":\"send\",\"address\":\"echo\",\"body\":\"x\"}"));
  }

  @Test
  void decodesPing() {
    assertEquals(new ClientMessage.Ping(), ok("{\"type\":\"ping\"}"));
    assertEquals(new ClientMessage.Ping(), ok("{\"type\":\"ping\",\"address\":5}"));
  }

  @Test
  void scalarHeaderValuesAreAccepted() {
    ClientMessage.Publish p = (ClientMessage.Publish) ok(
        "{\"type\":\"publish\",\"address\":\"a\",\"headers\":{\"s\":\"x\",\"n\":1.5,\"b\":false,\"z\":null}}");
    assertEquals(4, p.headers().size());
  }

  // ---- decode: every error code path

  static Stream<Arguments> malformed() {
    String longAddress = "a".repeat(MAX + 1);
    return Stream.of(
        Arguments.of("not json", ErrorCode.INVALID_JSON),
        Arguments.of("", ErrorCode.INVALID_JSON),
        Arguments.of("[{\"type\":\"ping\"}]", ErrorCode.INVALID_JSON),
        Arguments.of("\"ping\"", ErrorCode.INVALID_JSON),
        Arguments.of("42", ErrorCode.INVALID_JSON),
        Arguments.of("null", ErrorCode.INVALID_JSON),
        Arguments.of("{\"type\":\"ping\"", ErrorCode.INVALID_JSON),
        Arguments.of("{\"type\":\"ping\"} {}", ErrorCode.INVALID_JSON),
        Arguments.of("{}", ErrorCode.MISSING_TYPE),
        Arguments.of("{\"address\":\"a\"}", ErrorCode.MISSING_TYPE),
        Arguments.of("{\"type\":null}", ErrorCode.MISSING_TYPE),
        Arguments.of("{\"type\":5}", ErrorCode.INVALID_TYPE),
        Arguments.of("{\"type\":true}", ErrorCode.INVALID_TYPE),
        Arguments.of("{\"type\":{\"a\":1}}", ErrorCode.INVALID_TYPE),
        Arguments.of("{\"type\":[\"ping\"]}", ErrorCode.INVALID_TYPE),
        Arguments.of("{\"type\":\"subscribe\",\"address\":\"a\"}", ErrorCode.INVALID_TYPE),
        Arguments.of("{\"type\":\"REGISTER\",\"address\":\"a\"}", ErrorCode.INVALID_TYPE),
        Arguments.of("{\"type\":\"\"}", ErrorCode.INVALID_TYPE),
        Arguments.of("{\"type\":\"" + "x".repeat(5000) + "\"}", ErrorCode.INVALID_TYPE),
        Arguments.of("{\"type\":\"send\",\"address\":\"a\",\"replyAddress\":5}", ErrorCode.INVALID_FIELD),
        Arguments.of("{\"type\":\"send\",\"address\":\"a\",\"replyAddress\":{}}", ErrorCode.INVALID_FIELD),
        Arguments.of("{\"type\":\"send\",\"address\":\"a\",\"replyAddress\":\"" + longAddress + "\"}",
            ErrorCode.ADDRESS_TOO_LONG),
        Arguments.of("{\"type\":\"register\",\"address\":\"a\",\"ack\":5}", ErrorCode.INVALID_FIELD),
        Arguments.of("{\"type\":\"unregister\",\"address\":\"a\",\"ack\":[\"x\"]}", ErrorCode.INVALID_FIELD),
        Arguments.of("{\"type\":\"register\",\"address\":\"a\",\"ack\":true}", ErrorCode.INVALID_FIELD));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void malformedMessagesGetTheirCode(String text, ErrorCode expected) {
    assertEquals(expected, rejected(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"register", "unregister", "publish", "send"})
  void addressIsRequiredNonEmptyStringOfBoundedLength(String type) {
    String pre = "{\"type\":\"" + type + "\"";
    assertEquals(ErrorCode.MISSING_ADDRESS, rejected(pre + "}"));
    assertEquals(ErrorCode.MISSING_ADDRESS, rejected(pre + ",\"address\":\"\"}"));
    assertEquals(ErrorCode.MISSING_ADDRESS, rejected(pre + ",\"address\":null}"));
    assertEquals(ErrorCode.MISSING_ADDRESS, rejected(pre + ",\"address\":42}"));
    assertEquals(ErrorCode.MISSING_ADDRESS, rejected(pre + ",\"address\":{\"a\":1}}"));
    assertEquals(ErrorCode.MISSING_ADDRESS, rejected(pre + ",\"address\":[\"a\"]}"));
    String max = "a".repeat(MAX);
    ClientMessage m = ok(pre + ",\"address\":\"" + max + "\"}");
    String decoded = m instanceof ClientMessage.Register r ? r.address()
        : m instanceof ClientMessage.Unregister u ? u.address()
        : m instanceof ClientMessage.Publish p ? p.address()
        : ((ClientMessage.Send) m).address();
    assertEquals(max, decoded);
    assertEquals(ErrorCode.ADDRESS_TOO_LONG, rejected(pre + ",\"address\":\"" + max + "b\"}"));
  }

  @Test
  void replyAddressLengthBoundary() {
    String pre = "{\"type\":\"send\",\"address\":\"echo\",\"replyAddress\":\"";
    assertEquals("r".repeat(MAX), ((ClientMessage.Send) ok(pre + "r".repeat(MAX) + "\"}")).replyAddress());
    assertEquals(ErrorCode.ADDRESS_TOO_LONG, rejected(pre + "r".repeat(MAX + 1) + "\"}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"publish", "send"})
  void headersMustBeAnObjectOfScalarsOutsideTheReservedNamespace(String type) {
    String pre = "{\"type\":\"" + type + "\",\"address\":\"a\",\"body\":1,\"headers\":";
    for (String bad : new String[] {"\"k=v\"", "5", "true", "[\"k\",\"v\"]", "{\"k\":{\"x\":1}}",
        "{\"k\":[1]}", "{\"gateway.publishedAt\":\"1\"}", "{\"ok\":\"1\",\"gateway.x\":\"y\"}"}) {
      assertEquals(ErrorCode.INVALID_FIELD, rejected(pre + bad + "}"), bad);
    }
    // "gateway" without the dot, or the prefix elsewhere in the name, is an ordinary header
    ok(pre + "{\"gateway\":\"1\",\"x-gateway.y\":\"2\"}}");
  }

  @Test
  void reservedHeadersAreAllowedByMessageTypeOnly() {
    // positions are the gateway's to set: no client message may carry gateway.offset or the tag
    for (String name : new String[] {"gateway.offset", "gateway.epoch", "gateway.since", "gateway.seal",
        "gateway.joinLeave", "gateway.event"}) {
      assertEquals(ErrorCode.INVALID_FIELD, rejected("{\"type\":\"publish\",\"address\":\"a\",\"headers\":{\""
          + name + "\":\"1\"}}"), "publish with " + name);
    }
    for (String name : new String[] {"gateway.offset", "gateway.idempotencyKey", "gateway.seal"}) {
      assertEquals(ErrorCode.INVALID_FIELD, rejected("{\"type\":\"register\",\"address\":\"a\",\"headers\":{\""
          + name + "\":\"1\"}}"), "register with " + name);
    }
    assertEquals(ErrorCode.INVALID_FIELD, rejected("{\"type\":\"send\",\"address\":\"a\","
        + "\"headers\":{\"gateway.idempotencyKey\":\"k\"}}"), "send with an idempotency key");
    // and each where it belongs
    assertEquals("k", ((ClientMessage.Publish) ok("{\"type\":\"publish\",\"address\":\"a\","
        + "\"headers\":{\"gateway.idempotencyKey\":\"k\"}}")).idempotencyKey());
    ok("{\"type\":\"register\",\"address\":\"a\",\"headers\":{\"gateway.since\":\"3\",\"gateway.epoch\":\"e\"}}");
    assertEquals(true, ((ClientMessage.Register) ok("{\"type\":\"register\",\"address\":\"a\","
        + "\"headers\":{\"gateway.joinLeave\":\"true\"}}")).joinLeave());
    assertEquals(false, ((ClientMessage.Register) ok("{\"type\":\"register\",\"address\":\"a\","
        + "\"headers\":{\"gateway.joinLeave\":\"false\"}}")).joinLeave());
    assertEquals(ErrorCode.INVALID_FIELD, rejected("{\"type\":\"register\",\"address\":\"a\","
        + "\"headers\":{\"gateway.event\":\"join\"}}"), "register with gateway.event");
    assertEquals(ErrorCode.INVALID_FIELD, rejected("{\"type\":\"send\",\"address\":\"a\","
        + "\"headers\":{\"gateway.joinLeave\":\"true\"}}"), "send with gateway.joinLeave");
  }

  @Test
  void presenceRequestsDecodeWithTheirDefaultsAndBounds() throws Exception {
    assertEquals(new ClientMessage.Presence("chat.a", 1000, null, null),
        ok("{\"type\":\"presence\",\"address\":\"chat.a\"}"));
    assertEquals(new ClientMessage.Presence("chat.a", 5, "Zz", "p1"),
        ok("{\"type\":\"presence\",\"address\":\"chat.a\",\"limit\":5,\"cursor\":\"Zz\",\"ack\":\"p1\"}"));
    assertEquals(new ClientMessage.PresenceStats("chat.a", "s"),
        ok("{\"type\":\"presence_stats\",\"address\":\"chat.a\",\"ack\":\"s\"}"));
    assertEquals(ErrorCode.INVALID_FIELD, rejected("{\"type\":\"presence\",\"address\":\"a\",\"limit\":1001}"));
    assertEquals(ErrorCode.INVALID_FIELD, rejected("{\"type\":\"presence\",\"address\":\"a\",\"cursor\":\"\"}"));
    assertEquals(ErrorCode.MISSING_ADDRESS, rejected("{\"type\":\"presence_stats\"}"));
  }

  @Test
  void reservedHeaderPrefixIgnoresCase() {
    // event-bus headers are a case-insensitive MultiMap: a client header "GATEWAY.publishedAt"
    // is the same header as the gateway's internal "gateway.publishedAt" once on the bus
    MultiMap busHeaders = new io.vertx.core.eventbus.DeliveryOptions()
        .addHeader("GATEWAY.publishedAt", "1").getHeaders();
    assertEquals("1", busHeaders.get(ProtocolCodec.PUBLISHED_AT_HEADER));
    for (String name : new String[] {"GATEWAY.publishedAt", "Gateway.x"}) {
      assertEquals(ErrorCode.INVALID_FIELD,
          rejected("{\"type\":\"publish\",\"address\":\"a\",\"headers\":{\"" + name + "\":\"1\"}}"), name);
    }
  }

  // ---- encode

  @Test
  void recCarriesAddressBodyAndClientHeadersOnly() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("x-trace", "t1").add(ProtocolCodec.PUBLISHED_AT_HEADER, "123").add("gateway.other", "z");
    JsonObject rec = json(ProtocolCodec.rec("chat.a", new JsonObject().put("t", "hi"), headers));
    assertEquals(Set.of("type", "address", "body", "headers"), rec.fieldNames());
    assertEquals("rec", rec.getString("type"));
    assertEquals("chat.a", rec.getString("address"));
    assertEquals(new JsonObject().put("t", "hi"), rec.getJsonObject("body"));
    assertEquals(new JsonObject().put("x-trace", "t1"), rec.getJsonObject("headers"));
  }

  @Test
  void recOmitsHeadersWhenNoneRemain() {
    MultiMap internalOnly = MultiMap.caseInsensitiveMultiMap().add(ProtocolCodec.PUBLISHED_AT_HEADER, "1");
    for (MultiMap h : new MultiMap[] {null, MultiMap.caseInsensitiveMultiMap(), internalOnly}) {
      JsonObject rec = json(ProtocolCodec.rec("a", "b", h));
      assertFalse(rec.containsKey("headers"), String.valueOf(h));
      assertEquals("b", rec.getString("body"));
    }
  }

  @Test
  void errHasTypeCodeAndMessage() {
    JsonObject err = json(ProtocolCodec.err(ErrorCode.ACCESS_DENIED, "may not publish to 'x'"));
    assertEquals(new JsonObject().put("type", "err").put("body", "access_denied")
        .put("message", "may not publish to 'x'"), err);
    for (ErrorCode c : ErrorCode.values()) {
      assertTrue(c.wire().matches("[a-z_]+"), c.wire());
      assertEquals(c.wire(), json(ProtocolCodec.err(c, "m")).getString("body"));
    }
  }

  @Test
  void replyFailureIsAddressedToTheReplyAddress() {
    JsonObject f = json(ProtocolCodec.replyFailure("r-1", -1, "TIMEOUT", "timed out", null));
    assertEquals(new JsonObject().put("type", "err").put("address", "r-1").put("failureCode", -1)
        .put("failureType", "TIMEOUT").put("message", "timed out"), f);
    JsonObject denied = json(ProtocolCodec.replyFailure("r-2", 403, "ACCESS_DENIED", "no", ErrorCode.ACCESS_DENIED));
    assertEquals("r-2", denied.getString("address"));
    assertEquals(403, denied.getInteger("failureCode"));
    assertEquals("ACCESS_DENIED", denied.getString("failureType"));
    assertEquals("no", denied.getString("message"));
    assertEquals("access_denied", denied.getString("body"));
  }

  @Test
  void ackEchoesTheId() {
    assertEquals(new JsonObject().put("type", "ack").put("ack", "id-7"), json(ProtocolCodec.ack("id-7")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"k\":[1,{\"n\":null}],\"s\":\"v\"}", "{}", "[1,\"a\",null,[]]", "[]",
      "\"plain\"", "\"quotes \\\" and \\u00fcnicode \\u2603\"", "\"\"", "0", "42", "-1.5",
      "12345678901234", "1.0E300", "true", "false", "null"})
  void bodiesRoundTripThroughRec(String bodyJson) {
    ClientMessage.Publish p = (ClientMessage.Publish) ok(
        "{\"type\":\"publish\",\"address\":\"chat.a\",\"body\":" + bodyJson + "}");
    JsonObject rec = json(ProtocolCodec.rec(p.address(), p.body(), null));
    Object expected = Json.decodeValue(bodyJson);
    assertEquals(expected, rec.getValue("body"), bodyJson);
  }
}
