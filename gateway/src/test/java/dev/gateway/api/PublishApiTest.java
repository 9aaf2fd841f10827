package dev.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /api/publish} without an API key, from loopback: acceptance, validation with JSON
 * errors, the internal namespace and the body size limit. Keys and non-loopback sources are in
 * {@link PublishApiAuthTest}.
 */
class PublishApiTest {

  static final int MAX_MESSAGE_BYTES = 4096;
  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("limits", new JsonObject().put("maxMessageBytes", MAX_MESSAGE_BYTES))
      // channels outside chat.*: the API publishes to any channel, clients only to chat.*
      .put("permissions", new JsonObject().put("subscribe",
          new io.vertx.core.json.JsonArray().add("chat.*").add("orders.*").add("any.*"))));

  static HttpRequest<Buffer> request() {
    return gw.web().post(gw.port(), "127.0.0.1", "/api/publish");
  }

  static HttpResponse<Buffer> post(String body) {
    return await(request().putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body)));
  }

  static HttpResponse<Buffer> post(JsonObject body) {
    return await(request().sendJsonObject(body));
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }

  /** Asserts the status and a JSON {@code {"error":code,"message":...}} body. */
  static void assertError(HttpResponse<Buffer> resp, int status, String code) {
    assertEquals(status, resp.statusCode(), resp.bodyAsString());
    assertTrue(String.valueOf(resp.getHeader("Content-Type")).startsWith("application/json"),
        "content type " + resp.getHeader("Content-Type"));
    JsonObject body = resp.bodyAsJsonObject();
    assertEquals(code, body.getString("error"), body.encode());
    assertFalse(body.getString("message", "").isBlank(), body.encode());
  }

  @Test
  void validPublishIs202AndReachesSubscribers() {
    try (BridgeClient sub = gw.connect()) {
      sub.register("orders.created");
      JsonObject body = new JsonObject().put("id", 17).put("items", 3);
      HttpResponse<Buffer> resp = post(new JsonObject().put("address", "orders.created").put("body", body)
          .put("headers", new JsonObject().put("x-tenant", "acme").put("retry", 2).put("none", (String) null)));
      assertEquals(202, resp.statusCode(), resp.bodyAsString());
      assertTrue(resp.getHeader("Content-Type").startsWith("application/json"));
      assertEquals(new JsonObject().put("status", "accepted"), resp.bodyAsJsonObject());
      JsonObject rec = sub.awaitRec("orders.created", 5);
      assertNotNull(rec, "the HTTP publish was not delivered");
      assertEquals(body, rec.getJsonObject("body"));
      assertEquals("acme", rec.getJsonObject("headers").getString("x-tenant"));
      assertEquals("2", rec.getJsonObject("headers").getString("retry"));
    }
  }

  @Test
  void anyJsonBodyIsAcceptedIncludingNone() {
    try (BridgeClient sub = gw.connect()) {
      sub.register("any.body");
      assertEquals(202, post("{\"address\":\"any.body\",\"body\":\"text\"}").statusCode());
      assertEquals("text", sub.awaitRec("any.body", 5).getValue("body"));
      assertEquals(202, post("{\"address\":\"any.body\",\"body\":[1,2]}").statusCode());
      assertEquals("[1,2]", sub.awaitRec("any.body", 5).getValue("body").toString());
      assertEquals(202, post("{\"address\":\"any.body\"}").statusCode());
      JsonObject rec = sub.awaitRec("any.body", 5);
      assertNotNull(rec);
      assertEquals(null, rec.getValue("body"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"{oops", "[1,2]", "\"a string\"", "42", "null", "", "address=chat.a&body=x"})
  void malformedBodyIs400InvalidJson(String body) {
    assertError(post(body), 400, "invalid_json");
  }

  @Test
  void nonJsonContentTypeIs415() {
    // only JSON is taken: a browser cannot send it cross-origin without a preflight
    HttpResponse<Buffer> resp = await(request().putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer("{\"address\":\"chat.x\",\"body\":1}")));
    assertError(resp, 415, "unsupported_media_type");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"body\":1}", "{\"address\":\"\",\"body\":1}", "{\"address\":7,\"body\":1}",
      "{\"address\":null,\"body\":1}", "{\"address\":{\"a\":1}}"})
  void missingAddressIs400(String body) {
    assertError(post(body), 400, "missing_address");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"x\"", "[1]", "5", "true"})
  void nonObjectHeadersAre400InvalidField(String headers) {
    assertError(post("{\"address\":\"chat.a\",\"body\":1,\"headers\":" + headers + "}"), 400, "invalid_field");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"h\":{\"n\":1}}", "{\"h\":[1]}", "{\"gateway.publishedAt\":\"1\"}", "{\"gateway.x\":\"y\"}"})
  void reservedOrNonScalarHeaderIs400InvalidField(String headers) {
    assertError(post("{\"address\":\"chat.a\",\"body\":1,\"headers\":" + headers + "}"), 400, "invalid_field");
  }

  @Test
  void addressLongerThan255Is400() {
    String ok = "a".repeat(255);
    assertEquals(202, post(new JsonObject().put("address", ok).put("body", 1)).statusCode());
    assertError(post(new JsonObject().put("address", ok + "b").put("body", 1)), 400, "address_too_long");
  }

  @ParameterizedTest
  @ValueSource(strings = {"gateway.internal.x", "gateway.internal.", "__vertx.x", "__vertx.reply.1"})
  void internalAddressIs403(String address) {
    assertError(post(new JsonObject().put("address", address).put("body", 1)), 403, "access_denied");
  }

  @Test
  void rejectedPublishesAreNotDelivered() {
    try (BridgeClient sub = gw.connect()) {
      sub.register("chat.reject");
      post("{\"address\":\"chat.reject\",\"body\":\"bad\",\"headers\":\"x\"}");
      post("{\"address\":\"chat.reject\",\"body\":\"bad\",\"headers\":{\"gateway.x\":\"1\"}}");
      assertEquals(202, post(new JsonObject().put("address", "chat.reject").put("body", "good")).statusCode());
      JsonObject rec = sub.awaitRec("chat.reject", 5);
      assertNotNull(rec);
      assertEquals("good", rec.getValue("body"), "a rejected publish was delivered");
    }
  }

  @Test
  void bodyOverMaxMessageBytesIs413() {
    String under = "{\"address\":\"chat.size\",\"body\":\"" + "x".repeat(MAX_MESSAGE_BYTES - 40) + "\"}";
    assertTrue(under.length() <= MAX_MESSAGE_BYTES);
    assertEquals(202, post(under).statusCode());
    String over = "{\"address\":\"chat.size\",\"body\":\"" + "x".repeat(MAX_MESSAGE_BYTES) + "\"}";
    assertEquals(413, post(over).statusCode());
    // the server is fine afterwards
    assertEquals(202, post(under).statusCode());
  }

  /** The class's contract: every non-2xx answer, 413 included, is a JSON error. */
  @Test
  void bodyOverMaxMessageBytesIsAJsonError() {
    String over = "{\"address\":\"chat.size\",\"body\":\"" + "x".repeat(MAX_MESSAGE_BYTES) + "\"}";
    assertError(post(over), 413, "too_big");
  }

  @Test
  void onlyPostIsRouted() {
    HttpResponse<Buffer> resp = await(gw.web().get(gw.port(), "127.0.0.1", "/api/publish").send());
    assertTrue(resp.statusCode() == 404 || resp.statusCode() == 405, "GET /api/publish: " + resp.statusCode());
  }
}
