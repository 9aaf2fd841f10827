package dev.gateway.api;

import static dev.gateway.support.GatewayExtension.fresh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.UsersApiClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every users API call with bad input answers a JSON error with a stable code, counted by
 * endpoint and outcome: no key (401), malformed or incomplete bodies (400), an unknown user
 * (404), the internal namespace (403), a wrong content type (415), a body over the limit (413).
 */
class UsersApiInputTest {

  static final String KEY = "users-api-input-test-key";
  static final List<String> POSTS = List.of("publish", "disconnect", "subscribe", "unsubscribe");

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("api", new JsonObject().put("key", KEY))
      .put("auth", UsersApiClient.auth()));

  static UsersApiClient api;
  static UsersApiClient keyless;

  @BeforeAll
  static void clients() {
    api = new UsersApiClient(gw.client(), KEY);
    keyless = new UsersApiClient(gw.client(), null);
  }

  /** A valid body for the endpoint, for a user without connections. */
  static JsonObject valid(String endpoint, String user) {
    JsonObject b = new JsonObject().put("user", user);
    return endpoint.equals("disconnect") ? b : b.put("address", "chat.x").put("body", "hi");
  }

  @Test
  void unknownUserIs404WithAJsonErrorOnEveryEndpoint() {
    String nobody = fresh("nobody");
    for (String endpoint : POSTS) {
      double before = gw.metric(outcome(endpoint, "user_not_found"));
      HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/" + endpoint, valid(endpoint, nobody));
      assertError(r, 404, "user_not_found", endpoint);
      assertEquals(List.of(), r.bodyAsJsonObject().getJsonArray("unanswered").getList(), endpoint);
      assertEquals(before + 1, gw.metric(outcome(endpoint, "user_not_found")), 0.0, endpoint);
    }
    assertError(api.connections(gw.port(), nobody), 404, "user_not_found", "connections");
  }

  @Test
  void withoutTheKeyEveryCallIs401() {
    for (String endpoint : POSTS) {
      HttpResponse<Buffer> r = keyless.post(gw.port(), "/api/users/" + endpoint,
          valid(endpoint, "alice"));
      assertError(r, 401, "unauthorized", endpoint);
      assertEquals("Bearer", r.getHeader("WWW-Authenticate"), endpoint);
    }
    assertError(keyless.connections(gw.port(), "alice"), 401, "unauthorized", "connections");
    assertTrue(gw.metric(outcome("connections", "unauthorized")) >= 1);
  }

  @Test
  void malformedBodiesAre400() {
    for (String endpoint : POSTS) {
      String path = "/api/users/" + endpoint;
      assertError(api.post(gw.port(), path, "{not json", "application/json"), 400, "invalid_json", endpoint);
      assertError(api.post(gw.port(), path, "[1,2]", "application/json"), 400, "invalid_json", endpoint);
      assertError(api.post(gw.port(), path, null, "application/json"), 400, "invalid_json", endpoint);
      assertError(api.post(gw.port(), path, new JsonObject().put("address", "chat.x")), 400,
          "missing_user", endpoint);
      assertError(api.post(gw.port(), path, new JsonObject().put("user", 7)), 400, "missing_user",
          endpoint);
      assertError(api.post(gw.port(), path, new JsonObject().put("user", "u".repeat(1025))
          .put("address", "chat.x")), 400, "invalid_field", endpoint);
      assertError(api.post(gw.port(), path, valid(endpoint, "alice").encode(), "text/plain"), 415,
          "unsupported_media_type", endpoint);
      if (!endpoint.equals("disconnect")) {
        assertError(api.post(gw.port(), path, new JsonObject().put("user", "alice")), 400,
            "missing_address", endpoint);
        assertError(api.post(gw.port(), path, new JsonObject().put("user", "alice")
            .put("address", "gateway.internal.users.x")), 403, "access_denied", endpoint);
      }
    }
    assertError(api.connections(gw.port(), null), 400, "missing_user", "connections");
    assertError(api.post(gw.port(), "/api/users/publish", valid("publish", "alice")
        .put("headers", new JsonObject().put("gateway.offset", "1"))), 400, "invalid_field", "headers");
    assertError(api.post(gw.port(), "/api/users/publish", valid("publish", "alice")
        .put("headers", "x")), 400, "invalid_field", "headers");
    assertError(api.post(gw.port(), "/api/users/disconnect", new JsonObject().put("user", "alice")
        .put("reason", 5)), 400, "invalid_field", "reason");
    assertError(api.post(gw.port(), "/api/users/subscribe", new JsonObject().put("user", "alice")
        .put("address", "not.a.namespace")), 400, "not_a_channel", "subscribe");
  }

  @Test
  void bodiesOverTheLimitAre413() {
    String big = new JsonObject().put("user", "alice").put("reason", "r".repeat(10_000)).encode();
    assertError(api.post(gw.port(), "/api/users/disconnect", big, "application/json"), 413,
        "too_big", "disconnect");
    String huge = valid("publish", "alice").put("body", "b".repeat(300_000)).encode();
    assertError(api.post(gw.port(), "/api/users/publish", huge, "application/json"), 413,
        "too_big", "publish");
  }

  private static String outcome(String endpoint, String outcome) {
    return "gateway_api_users_total{endpoint=\"" + endpoint + "\",outcome=\"" + outcome + "\"}";
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String code, String what) {
    assertEquals(status, r.statusCode(), what + ": " + r.bodyAsString());
    assertEquals("application/json", r.getHeader("Content-Type"), what);
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(code, body.getString("error"), what + ": " + body.encode());
    assertTrue(body.getString("message") != null && !body.getString("message").isEmpty(), what);
  }
}
