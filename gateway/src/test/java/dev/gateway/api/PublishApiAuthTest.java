package dev.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.auth.Loopback;
import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.SourceAddress;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /api/publish} access: with {@code api.key} a Bearer key is required (401 otherwise);
 * without one only loopback clients may publish (403 otherwise). A non-loopback source is made by
 * binding the client to a non-loopback address of this host ({@link SourceAddress}) and
 * connecting to 127.0.0.1.
 */
class PublishApiAuthTest {

  static final String KEY = "s3cret-key-0123456789";
  /** No key: loopback only. */
  @RegisterExtension
  static final GatewayExtension open = GatewayExtension.defaults();
  /** api.key set through the environment, as deployments do. */
  @RegisterExtension
  static final GatewayExtension keyed = GatewayExtension.config(new JsonObject(),
      Map.of("GATEWAY_API_KEY", KEY));
  static Vertx client;
  static WebClient http;

  @BeforeAll
  static void clients() {
    client = open.client();
    http = open.web();
  }

  static JsonObject message(String address) {
    return new JsonObject().put("address", address).put("body", new JsonObject().put("v", 1));
  }

  static HttpResponse<Buffer> post(WebClient web, GatewayExtension gw, String authorization, JsonObject body) {
    HttpRequest<Buffer> req = web.post(gw.port(), "127.0.0.1", "/api/publish");
    if (authorization != null) {
      req.putHeader("Authorization", authorization);
    }
    try {
      return req.sendJsonObject(body).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }

  static void assertUnauthorized(HttpResponse<Buffer> resp) {
    assertEquals(401, resp.statusCode(), resp.bodyAsString());
    assertNotNull(resp.getHeader("WWW-Authenticate"), "401 without WWW-Authenticate");
    assertTrue(resp.getHeader("WWW-Authenticate").startsWith("Bearer"), resp.getHeader("WWW-Authenticate"));
    assertEquals("unauthorized", resp.bodyAsJsonObject().getString("error"));
  }

  @Test
  void withoutKeyLoopbackClientIsAccepted() {
    try (BridgeClient sub = open.connect()) {
      sub.register("chat.loop");
      assertEquals(202, post(http, open, null, message("chat.loop")).statusCode());
      assertNotNull(sub.awaitRec("chat.loop", 5));
    }
  }

  @Test
  void withKeyMissingAuthorizationIs401() {
    assertUnauthorized(post(http, keyed, null, message("chat.k")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bearer wrong", "Bearer " + KEY + "x", "Bearer s3cret", "Bearer ", "Bearer",
      "Basic czNjcmV0LWtleQ==", KEY, "Token " + KEY})
  void withKeyWrongAuthorizationIs401(String authorization) {
    assertUnauthorized(post(http, keyed, authorization, message("chat.k")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bearer " + KEY, "bearer " + KEY, "Bearer  " + KEY + " "})
  void withKeyRightBearerIs202(String authorization) {
    try (BridgeClient sub = keyed.connect()) {
      sub.register("chat.keyed");
      assertEquals(202, post(http, keyed, authorization, message("chat.keyed")).statusCode());
      assertNotNull(sub.awaitRec("chat.keyed", 5), "accepted but not delivered");
    }
  }

  @Test
  void unauthorizedPublishIsNotDelivered() {
    try (BridgeClient sub = keyed.connect()) {
      sub.register("chat.guarded");
      post(http, keyed, "Bearer wrong", new JsonObject().put("address", "chat.guarded").put("body", "forged"));
      post(http, keyed, "Bearer " + KEY, new JsonObject().put("address", "chat.guarded").put("body", "real"));
      JsonObject rec = sub.awaitRec("chat.guarded", 5);
      assertNotNull(rec);
      assertEquals("real", rec.getValue("body"));
    }
  }

  @Test
  void withoutKeyNonLoopbackClientIs403() {
    String local = nonLoopbackAddress();
    WebClient remote = WebClient.create(client, new WebClientOptions().setLocalAddress(local));
    try (BridgeClient sub = open.connect()) {
      sub.register("chat.remote");
      HttpResponse<Buffer> resp = post(remote, open, null, new JsonObject().put("address", "chat.remote").put("body", "x"));
      assertEquals(403, resp.statusCode(), resp.bodyAsString());
      assertEquals("access_denied", resp.bodyAsJsonObject().getString("error"));
      // the same request from loopback goes through, and is the first thing the subscriber sees
      assertEquals(202, post(http, open, null, new JsonObject().put("address", "chat.remote").put("body", "y"))
          .statusCode());
      assertEquals("y", sub.awaitRec("chat.remote", 5).getValue("body"));
    } finally {
      remote.close();
    }
  }

  @Test
  void withKeyNonLoopbackClientWithTheKeyIs202() {
    WebClient remote = WebClient.create(client, new WebClientOptions().setLocalAddress(nonLoopbackAddress()));
    try {
      assertEquals(202, post(remote, keyed, "Bearer " + KEY, message("chat.k")).statusCode());
      assertUnauthorized(post(remote, keyed, null, message("chat.k")));
    } finally {
      remote.close();
    }
  }

  @Test
  void isLoopbackRecognisesLoopbackAddressesOnly() {
    assertTrue(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "127.0.0.1")));
    assertTrue(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "127.10.20.30")));
    assertTrue(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "::1")));
    assertTrue(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "::ffff:127.0.0.1")));
    assertFalse(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "10.0.0.1")));
    assertFalse(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "192.0.2.7")));
    assertFalse(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "::ffff:10.0.0.1")));
    assertFalse(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "2001:db8::1")));
    assertFalse(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "0.0.0.0")));
    // a name is never looked up: an unresolved "localhost" is not trusted
    assertFalse(Loopback.isLoopback(SocketAddress.inetSocketAddress(1234, "localhost")));
    assertFalse(Loopback.isLoopback(SocketAddress.domainSocketAddress("/tmp/gateway.sock")));
    assertFalse(Loopback.isLoopback(null));
  }

  /**
   * A non-loopback source address of this host (added to {@code lo} for the test when run as
   * root), removed after the test; fails the test, saying what it needs, when there is none.
   */
  static String nonLoopbackAddress() {
    return open.closeAfter(SourceAddress.require()).address;
  }

  @Test
  void noKeyGatewayAnswers401Never() {
    HttpResponse<Buffer> resp = post(http, open, "Bearer whatever", message("chat.any"));
    assertEquals(202, resp.statusCode(), "a gateway without a key ignores Authorization from loopback");
    assertNull(resp.getHeader("WWW-Authenticate"));
  }
}
