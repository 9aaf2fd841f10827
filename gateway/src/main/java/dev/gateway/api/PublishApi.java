package dev.gateway.api;

import dev.gateway.auth.Permissions;
import dev.gateway.channel.Publisher;
import dev.gateway.channel.stream.Broker;
import dev.gateway.channel.stream.StreamPosition;
import io.vertx.core.MultiMap;
import dev.gateway.auth.RevocationStore;
import dev.gateway.channel.PublishStamp;
import dev.gateway.config.GatewayConfig;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code POST /api/publish}: backends publish {@code {"address","body","headers"}} to a channel.
 * With an API key configured it requires {@code Authorization: Bearer KEY}; without one it only
 * accepts requests from loopback clients (seen through trusted proxies: {@link ClientAddress}).
 * Answers 202 on success, 400/401/403/413 with a JSON {@code {"error":CODE,"message":...}}
 * otherwise.
 */
public final class PublishApi {

  /**
   * Internal address of revoke notices ({@link RevocationStore#notice}, sealed), published so
   * every server instance (and, clustered, every node) closes the token's connections.
   */
  public static final String REVOKE_ADDRESS = "gateway.internal.revoke";

  private final EventBus eventBus;
  private final Publisher publisher;
  private final ApiAccess access;
  private final int maxAddressLength;
  private final GatewayMetrics metrics;

  public PublishApi(EventBus eventBus, Publisher publisher, GatewayConfig config,
                    GatewayMetrics metrics, Predicate<HttpServerRequest> originAcceptable) {
    this.eventBus = eventBus;
    this.publisher = publisher;
    this.access = new ApiAccess(config, originAcceptable);
    this.maxAddressLength = config.limits().maxAddressLength();
    this.metrics = metrics;
  }

  public void handle(RoutingContext rc) {
    if (!authorised(rc)) {
      return;
    }
    JsonObject json = bodyObject(rc);
    if (json == null) {
      fail(rc, 400, "invalid_json", "body must be a JSON object");
      return;
    }
    try {
      ProtocolCodec.checkJson(json);
    } catch (dev.gateway.protocol.ProtocolException e) {
      fail(rc, 400, "invalid_json", e.getMessage());
      return;
    }
    Object address = json.getValue("address");
    if (!(address instanceof String a) || a.isEmpty()) {
      fail(rc, 400, "missing_address", "address must be a non-empty string");
      return;
    }
    if (a.length() > maxAddressLength) {
      fail(rc, 400, "address_too_long", "address longer than " + maxAddressLength + " characters");
      return;
    }
    if (Permissions.isInternal(a)) {
      fail(rc, 403, "access_denied", "address is in the gateway's internal namespace");
      return;
    }
    Object headers = json.getValue("headers");
    if (headers != null && !(headers instanceof JsonObject)) {
      fail(rc, 400, "invalid_field", "headers must be an object");
      return;
    }
    MultiMap options = MultiMap.caseInsensitiveMultiMap();
    if (headers instanceof JsonObject h) {
      for (Map.Entry<String, Object> e : h) {
        if (ProtocolCodec.isInternalHeader(e.getKey())
            || e.getValue() instanceof JsonObject || e.getValue() instanceof JsonArray) {
          fail(rc, 400, "invalid_field", "header '" + e.getKey() + "' is reserved or not a scalar");
          return;
        }
        if (e.getValue() != null) {
          options.add(e.getKey(), String.valueOf(e.getValue()));
        }
      }
    }
    String key = rc.request().getHeader("Idempotency-Key");
    if (key != null && (key.isEmpty() || key.length() > ProtocolCodec.MAX_KEY_LENGTH)) {
      fail(rc, 400, "invalid_field", "Idempotency-Key must be 1 to " + ProtocolCodec.MAX_KEY_LENGTH
          + " characters");
      return;
    }
    publisher.publish(a, json.getValue("body"), options, key).onComplete(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof Broker.HistoryRefused refused) {
          fail(rc, 503, "history_limit", refused.getMessage());
        } else {
          fail(rc, 400, "invalid_field", "body has no event-bus form");
        }
        return;
      }
      metrics.apiPublish("accepted");
      JsonObject answer = new JsonObject().put("status", "accepted");
      StreamPosition at = ar.result().position();
      if (at != null) {
        answer.put("offset", at.wireOffset()).put("epoch", at.epoch());
        if (ar.result().duplicate()) {
          answer.put("duplicate", true);
        }
      }
      rc.response().setStatusCode(202).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(answer.encode());
    });
  }

  /**
   * {@code GET /api/history?address=A&limit=N}: the newest N (default and at most 1,000)
   * publications of a history channel, oldest first, with its position:
   * {@code {"address":A,"epoch":E,"offset":"O","messages":[{"offset":..,"headers":..,"body":..}]}}.
   * Same authorisation as publishing; 404 {@code no_history} for a channel that keeps none.
   */
  public void history(RoutingContext rc) {
    if (!authorisedRead(rc)) {
      return;
    }
    String a = rc.request().getParam("address");
    if (a == null || a.isEmpty()) {
      fail(rc, 400, "missing_address", "address must be given");
      return;
    }
    if (a.length() > maxAddressLength) {
      fail(rc, 400, "address_too_long", "address longer than " + maxAddressLength + " characters");
      return;
    }
    int limit = ProtocolCodec.MAX_HISTORY_LIMIT;
    String l = rc.request().getParam("limit");
    if (l != null) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > ProtocolCodec.MAX_HISTORY_LIMIT) {
        fail(rc, 400, "invalid_field", "limit must be 1 to " + ProtocolCodec.MAX_HISTORY_LIMIT);
        return;
      }
    }
    if (Permissions.isInternal(a) || !publisher.keepsHistory(a)) {
      fail(rc, 404, "no_history", "'" + a + "' keeps no history");
      return;
    }
    publisher.broker().latest(a, limit).onComplete(ar -> {
      if (ar.failed()) {
        fail(rc, 503, "history_unavailable", "history could not be read; retry");
        return;
      }
      rc.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .end(dev.gateway.channel.stream.HistoryAnswer.json(a, ar.result()).encode());
    });
  }

  /**
   * {@code POST /api/revoke {"jti":ID[,"exp":EPOCH_SECONDS]}}: revokes a token: once it is
   * stored (on a cluster, in the grid) the answer is 202, its connections close with 4501 on
   * every node and it is refused from then on (until its expiry). At the bound the answer is
   * 507 {@code revocation_limit}; a grid that cannot be written, 503 {@code unavailable}. Same
   * authorisation as publishing.
   */
  public void revoke(RoutingContext rc, RevocationStore revocations) {
    if (!authorised(rc)) {
      return;
    }
    JsonObject json = bodyObject(rc);
    if (json == null || !(json.getValue("jti") instanceof String jti) || jti.isEmpty()) {
      fail(rc, 400, "invalid_field", "body must be {\"jti\": \"<token id>\"}");
      return;
    }
    long exp = json.getValue("exp") instanceof Number n ? n.longValue() * 1000 : 0;
    revocations.revoke(jti, exp).onComplete(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof RevocationStore.LimitReached limit) {
          fail(rc, 507, "revocation_limit", limit.getMessage());
        } else {
          fail(rc, 503, "unavailable", "the revocation could not be stored; retry");
        }
        return;
      }
      // sealed: a node closes connections only on a notice from a holder of the cluster secret
      eventBus.publish(REVOKE_ADDRESS, revocations.notice(REVOKE_ADDRESS, jti, exp));
      rc.response().setStatusCode(202).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end("{\"status\":\"revoked\"}");
    });
  }

  /** Failures of the route (a body over the limit): the same JSON errors as everything else. */
  public void failure(RoutingContext rc) {
    int status = rc.statusCode() > 0 ? rc.statusCode() : 500;
    if (rc.response().ended()) {
      return;
    }
    fail(rc, status, status == 413 ? "too_big" : "request_failed",
        status == 413 ? "body larger than the limit" : "request failed");
  }

  /** As {@link #authorised} for a request without a body (no content type to check). */
  private boolean authorisedRead(RoutingContext rc) {
    return authorised(rc, false);
  }

  private boolean authorised(RoutingContext rc) {
    return authorised(rc, true);
  }

  private boolean authorised(RoutingContext rc, boolean withBody) {
    ApiAccess.Refusal refusal = access.check(rc, withBody);
    if (refusal != null) {
      fail(rc, refusal.status(), refusal.code(), refusal.message());
      return false;
    }
    return true;
  }

  /** The request body as a JSON object, or null when it is not one. */
  private static JsonObject bodyObject(RoutingContext rc) {
    try {
      return rc.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  private void fail(RoutingContext rc, int status, String code, String message) {
    metrics.apiPublish(code);
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", code).put("message", message).encode());
  }
}
