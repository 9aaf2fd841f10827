package dev.gateway.api;

import dev.gateway.auth.Permissions;
import dev.gateway.config.GatewayConfig;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.ProtocolCodec;
import dev.gateway.protocol.ProtocolException;
import dev.gateway.user.UserBans;
import dev.gateway.user.UserCommands;
import dev.gateway.user.Users;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The users API: a backend reaches a person rather than a socket, on every node of the cluster.
 * {@code POST /api/users/publish}, {@code /disconnect}, {@code /subscribe}, {@code /unsubscribe}
 * (JSON bodies) and {@code GET /api/users/connections?user=U}, with the authorisation of
 * {@code /api/publish} ({@link ApiAccess}). Every answer is JSON; errors are
 * {@code {"error":CODE,"message":..}}: 400 for malformed input, 404 {@code user_not_found} when
 * no node that answered holds a connection of the user, 401/403/415 as for publishing, 413 for a
 * body over the limit. Each answer names the nodes that did not answer within
 * {@code users.nodeTimeoutMs} ({@code unanswered}).
 */
public final class UsersApi {

  /** The longest user id taken (characters). */
  public static final int MAX_USER_LENGTH = 1024;

  private final Users users;
  private final ApiAccess access;
  private final GatewayMetrics metrics;
  private final Permissions permissions;
  private final int maxAddressLength;
  private final int maxBanSeconds;

  public UsersApi(Users users, GatewayConfig config, GatewayMetrics metrics,
                  Predicate<HttpServerRequest> originAcceptable) {
    this.users = users;
    this.access = new ApiAccess(config, originAcceptable);
    this.metrics = metrics;
    this.permissions = new Permissions(config.permissions());
    this.maxAddressLength = config.limits().maxAddressLength();
    this.maxBanSeconds = config.users().maxBanSeconds();
  }

  /** A request that failed validation: the status, code and message of the answer. */
  private static final class Invalid extends Exception {
    final int status;
    final String code;

    Invalid(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  /** {@code {"user","address","body","headers"}}: a {@code rec} on the address to each connection. */
  public void publish(RoutingContext rc) {
    String endpoint = "publish";
    JsonObject json = body(rc, endpoint);
    if (json == null) {
      return;
    }
    JsonObject command;
    try {
      ProtocolCodec.checkJson(json);
      command = new JsonObject().put("op", "publish").put("user", user(json.getValue("user")))
          .put("address", address(json.getValue("address"))).put("body", json.getValue("body"))
          .put("headers", headers(json.getValue("headers")));
    } catch (ProtocolException e) {
      fail(rc, endpoint, 400, "invalid_json", e.getMessage());
      return;
    } catch (Invalid e) {
      fail(rc, endpoint, e.status, e.code, e.getMessage());
      return;
    }
    answer(rc, endpoint, users.commands().toEveryNode(command), gathered -> {
      JsonObject a = summary(gathered).put("status", "accepted").put("dropped",
          gathered.answers().stream().mapToInt(x -> x.getInteger("dropped", 0)).sum());
      return respond(rc, endpoint, gathered.connections() == 0 ? 0 : 202, a);
    });
  }

  /**
   * {@code {"user","reason","banSeconds"}}: closes every connection of the user with 4503; with a
   * ban, refuses the user's tokens on every node first, for that long.
   */
  public void disconnect(RoutingContext rc) {
    String endpoint = "disconnect";
    JsonObject json = body(rc, endpoint);
    if (json == null) {
      return;
    }
    String user;
    String reason;
    long banUntil = 0;
    try {
      user = user(json.getValue("user"));
      Object r = json.getValue("reason");
      if (r != null && !(r instanceof String)) {
        throw new Invalid(400, "invalid_field", "reason must be a string");
      }
      reason = CloseReason.fit(r == null ? CloseReason.DISCONNECTED.text() : (String) r);
      Object ban = json.getValue("banSeconds");
      if (ban != null) {
        if (!(ban instanceof Integer || ban instanceof Long) || ((Number) ban).longValue() < 1
            || ((Number) ban).longValue() > maxBanSeconds) {
          throw new Invalid(400, "invalid_field", "banSeconds must be a whole number from 1 to "
              + maxBanSeconds + " (users.maxBanSeconds)");
        }
        banUntil = System.currentTimeMillis() + ((Number) ban).longValue() * 1000;
      }
    } catch (Invalid e) {
      fail(rc, endpoint, e.status, e.code, e.getMessage());
      return;
    }
    JsonObject command = new JsonObject().put("op", "disconnect").put("user", user)
        .put("reason", reason);
    Future<UserCommands.Gathered> done;
    if (banUntil > 0) {
      long until = banUntil;
      command.put("banUntil", until);
      // stored, then known to every node, and only then are connections closed: a client that
      // reconnects at once, to any node, is refused
      done = users.bans().ban(user, until)
          .compose(v -> users.commands().toEveryNode(new JsonObject().put("op", "ban")
              .put("user", user).put("banUntil", until)))
          .compose(v -> users.commands().toEveryNode(command));
    } else {
      done = users.commands().toEveryNode(command);
    }
    long until = banUntil;
    answer(rc, endpoint, done, gathered -> {
      JsonObject a = summary(gathered).put("status", "disconnected");
      if (until > 0) {
        a.put("bannedUntil", until);
      }
      return respond(rc, endpoint, gathered.connections() == 0 && until == 0 ? 0 : 200, a);
    });
  }

  /** {@code {"user","address"}}: subscribes the user's connections to a channel server-side. */
  public void subscribe(RoutingContext rc) {
    change(rc, "subscribe");
  }

  /** {@code {"user","address"}}: ends the user's connections' subscriptions to a channel. */
  public void unsubscribe(RoutingContext rc) {
    change(rc, "unsubscribe");
  }

  private void change(RoutingContext rc, String endpoint) {
    JsonObject json = body(rc, endpoint);
    if (json == null) {
      return;
    }
    JsonObject command;
    try {
      String user = user(json.getValue("user"));
      String address = address(json.getValue("address"));
      if (!permissions.isChannel(address)) {
        throw new Invalid(400, "not_a_channel", "'" + address + "' is not in the channel"
            + " namespaces (permissions.subscribe), or is a service");
      }
      command = new JsonObject().put("op", endpoint).put("user", user).put("address", address);
    } catch (Invalid e) {
      fail(rc, endpoint, e.status, e.code, e.getMessage());
      return;
    }
    answer(rc, endpoint, users.commands().toEveryNode(command), gathered -> {
      JsonObject outcomes = new JsonObject();
      for (JsonObject a : gathered.answers()) {
        a.getJsonObject("outcomes", new JsonObject()).forEach(e -> outcomes.put(e.getKey(),
            outcomes.getInteger(e.getKey(), 0) + ((Number) e.getValue()).intValue()));
      }
      JsonObject a = summary(gathered).put("status", "ok").put("outcomes", outcomes);
      return respond(rc, endpoint, gathered.connections() == 0 ? 0 : 200, a);
    });
  }

  /** {@code GET ?user=U}: the user's connections on every node. */
  public void connections(RoutingContext rc) {
    String endpoint = "connections";
    ApiAccess.Refusal refusal = access.check(rc, false);
    if (refusal != null) {
      fail(rc, endpoint, refusal.status(), refusal.code(), refusal.message());
      return;
    }
    String user;
    try {
      user = user(rc.request().getParam("user"));
    } catch (Invalid e) {
      fail(rc, endpoint, e.status, e.code, e.getMessage());
      return;
    }
    JsonObject command = new JsonObject().put("op", "connections").put("user", user);
    answer(rc, endpoint, users.commands().toEveryNode(command), gathered -> {
      JsonArray list = new JsonArray();
      boolean truncated = false;
      for (JsonObject a : gathered.answers()) {
        for (Object c : a.getJsonArray("list", new JsonArray())) {
          list.add(((JsonObject) c).copy().put("node", a.getString("node")));
        }
        truncated |= a.getBoolean("truncated", false);
      }
      JsonObject a = summary(gathered).put("user", user).put("connections", list)
          .put("truncated", truncated);
      return respond(rc, endpoint, list.isEmpty() ? 0 : 200, a);
    });
  }

  /** Failures of a route (a body over the limit): the same JSON errors as everything else. */
  public void failure(RoutingContext rc, String endpoint) {
    int status = rc.statusCode() > 0 ? rc.statusCode() : 500;
    if (rc.response().ended()) {
      return;
    }
    fail(rc, endpoint, status, status == 413 ? "too_big" : "request_failed",
        status == 413 ? "body larger than the limit" : "request failed");
  }

  /** {@code connections}, {@code nodes} (those that answered) and {@code unanswered}. */
  private static JsonObject summary(UserCommands.Gathered gathered) {
    JsonArray nodes = new JsonArray();
    gathered.answers().forEach(a -> nodes.add(a.getString("node")));
    return new JsonObject().put("connections", gathered.connections()).put("nodes", nodes)
        .put("unanswered", new JsonArray(gathered.unanswered()));
  }

  /**
   * Answers {@code status} with {@code body}; status 0: no connection of the user found, 404
   * {@code user_not_found} (still naming the nodes that did not answer).
   */
  private Void respond(RoutingContext rc, String endpoint, int status, JsonObject body) {
    if (status == 0) {
      metrics.apiUsers(endpoint, "user_not_found");
      send(rc, 404, new JsonObject().put("error", "user_not_found")
          .put("message", "no node that answered holds a connection of this user")
          .put("unanswered", body.getJsonArray("unanswered")));
    } else {
      metrics.apiUsers(endpoint, "ok");
      send(rc, status, body);
    }
    return null;
  }

  /** Answers on the request's own context once the command came back from every node. */
  private void answer(RoutingContext rc, String endpoint, Future<UserCommands.Gathered> done,
                      java.util.function.Function<UserCommands.Gathered, Void> ok) {
    Context context = Vertx.currentContext();
    done.onComplete(ar -> context.runOnContext(v -> {
      if (ar.succeeded()) {
        ok.apply(ar.result());
      } else if (ar.cause() instanceof UserBans.LimitReached limit) {
        fail(rc, endpoint, 507, "ban_limit", limit.getMessage());
      } else if (ar.cause() instanceof IllegalArgumentException tooBig) {
        fail(rc, endpoint, 413, "too_big", tooBig.getMessage());
      } else {
        fail(rc, endpoint, 503, "unavailable", "the command could not be carried out; retry");
      }
    }));
  }

  /** The authorised request's body as a JSON object, or null once answered with the refusal. */
  private JsonObject body(RoutingContext rc, String endpoint) {
    ApiAccess.Refusal refusal = access.check(rc, true);
    if (refusal != null) {
      fail(rc, endpoint, refusal.status(), refusal.code(), refusal.message());
      return null;
    }
    try {
      JsonObject json = rc.body().asJsonObject();
      if (json != null) {
        return json;
      }
    } catch (DecodeException | ClassCastException e) {
      // answered below
    }
    fail(rc, endpoint, 400, "invalid_json", "body must be a JSON object");
    return null;
  }

  private static String user(Object user) throws Invalid {
    if (!(user instanceof String u) || u.isEmpty()) {
      throw new Invalid(400, "missing_user", "user must be a non-empty string");
    }
    if (u.length() > MAX_USER_LENGTH) {
      throw new Invalid(400, "invalid_field", "user longer than " + MAX_USER_LENGTH + " characters");
    }
    return u;
  }

  private String address(Object address) throws Invalid {
    if (!(address instanceof String a) || a.isEmpty()) {
      throw new Invalid(400, "missing_address", "address must be a non-empty string");
    }
    if (a.length() > maxAddressLength) {
      throw new Invalid(400, "address_too_long", "address longer than " + maxAddressLength
          + " characters");
    }
    if (Permissions.isInternal(a)) {
      throw new Invalid(403, "access_denied", "address is in the gateway's internal namespace");
    }
    return a;
  }

  private static JsonObject headers(Object headers) throws Invalid {
    if (headers == null) {
      return null;
    }
    if (!(headers instanceof JsonObject h)) {
      throw new Invalid(400, "invalid_field", "headers must be an object");
    }
    for (Map.Entry<String, Object> e : h) {
      if (ProtocolCodec.isInternalHeader(e.getKey())
          || e.getValue() instanceof JsonObject || e.getValue() instanceof JsonArray) {
        throw new Invalid(400, "invalid_field", "header '" + e.getKey()
            + "' is reserved or not a scalar");
      }
    }
    return h;
  }

  private void fail(RoutingContext rc, String endpoint, int status, String code, String message) {
    metrics.apiUsers(endpoint, code);
    send(rc, status, new JsonObject().put("error", code).put("message", message));
  }

  private static void send(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(body.encode());
  }
}
