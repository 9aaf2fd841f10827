package dev.gateway.presence;

import dev.gateway.support.BridgeClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Tokens, requests and answers of the presence tests, over real clients. */
final class PresenceClients {

  static final String SECRET = "presence-test-secret-0123456789abcdef";

  /** Tokens checked when given, anonymous clients allowed; {@code live.*} has no presence. */
  static JsonObject config(JsonObject presence) {
    return new JsonObject()
        .put("demo", new JsonObject().put("enabled", false))
        .put("auth", new JsonObject().put("mode", "optional").put("hs256Secret", SECRET))
        .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("chat.*").add("live.*"))
            .put("publish", new JsonArray().add("chat.*")))
        .put("limits", new JsonObject().put("messagesPerSecond", 100_000).put("messageBurst", 100_000)
            .put("maxConnectionsPerAddress", 10_000).put("maxHandshakesPerAddress", 10_000))
        .put("presence", presence);
  }

  private final Vertx vertx;
  private final int port;
  private final JWTAuth signer;

  PresenceClients(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
    this.signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
  }

  String token(String sub, JsonObject info, JsonArray subscribe) {
    JsonObject claims = new JsonObject().put("jti", UUID.randomUUID().toString());
    if (sub != null) {
      claims.put("sub", sub);
    }
    if (info != null) {
      claims.put("info", info);
    }
    claims.put("subscribe", subscribe != null ? subscribe : new JsonArray().add("chat.*").add("live.*"));
    return signer.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(600));
  }

  /** A client of user {@code sub} (anonymous when null). */
  BridgeClient connect(String sub) {
    return connect(sub, null, null);
  }

  BridgeClient connect(String sub, JsonObject info, JsonArray subscribe) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws");
    if (sub != null || info != null || subscribe != null) {
      o.addHeader("Authorization", "Bearer " + token(sub, info, subscribe));
    }
    return BridgeClient.connect(vertx, o);
  }

  /** Registers (with an ack), asking for join/leave events when {@code joinLeave}; the ack. */
  static JsonObject register(BridgeClient c, String address, boolean joinLeave) {
    String id = "r" + System.nanoTime();
    JsonObject m = new JsonObject().put("type", "register").put("address", address).put("ack", id);
    if (joinLeave) {
      m.put("headers", new JsonObject().put("gateway.joinLeave", "true"));
    }
    c.send(m);
    JsonObject ack = c.await(a -> "ack".equals(a.getString("type")) && id.equals(a.getString("ack")), 10);
    if (ack == null) {
      throw new AssertionError("no ack for the register of " + address);
    }
    return ack;
  }

  /** One answer to a presence request (or the err it got). */
  static JsonObject ask(BridgeClient c, JsonObject request) {
    String id = "q" + System.nanoTime();
    c.send(request.copy().put("ack", id));
    JsonObject answer = c.await(a -> id.equals(a.getString("ack")) || "err".equals(a.getString("type")), 10);
    if (answer == null) {
      throw new AssertionError("no answer to " + request.encode());
    }
    return answer;
  }

  static JsonObject page(BridgeClient c, String address, Integer limit, String cursor) {
    JsonObject q = new JsonObject().put("type", "presence").put("address", address);
    if (limit != null) {
      q.put("limit", limit);
    }
    if (cursor != null) {
      q.put("cursor", cursor);
    }
    return ask(c, q);
  }

  static JsonObject stats(BridgeClient c, String address) {
    return ask(c, new JsonObject().put("type", "presence_stats").put("address", address));
  }

  /** Every member, walking the pages of {@code limit}; fails on a member listed twice. */
  static List<JsonObject> walk(BridgeClient c, String address, int limit) {
    List<JsonObject> all = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    String cursor = null;
    do {
      JsonObject page = page(c, address, limit, cursor);
      if (!"presence".equals(page.getString("type"))) {
        throw new AssertionError("not a presence answer: " + page.encode());
      }
      for (Object o : page.getJsonArray("members")) {
        JsonObject m = (JsonObject) o;
        if (!seen.add(m.getString("client"))) {
          throw new AssertionError("member listed twice in one walk: " + m.encode());
        }
        all.add(m);
      }
      cursor = page.getString("cursor");
    } while (cursor != null);
    return all;
  }

  /** The users of the members. */
  static java.util.Set<String> users(List<JsonObject> members) {
    java.util.Set<String> users = new java.util.TreeSet<>();
    members.forEach(m -> users.add(m.getString("user")));
    return users;
  }
}
