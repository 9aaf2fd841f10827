package dev.gateway.transport.sockjs;

import dev.gateway.auth.Authenticator;
import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.LoopConnections;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.transport.gate.BoundedBody;
import dev.gateway.transport.gate.HandshakeGate;
import dev.gateway.transport.gate.HandshakeSteps;
import dev.gateway.transport.gate.QueryString;
import dev.gateway.transport.io.Flusher;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.InetAddress;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The HTTP transports of SockJS on one event loop: receiving requests (xhr, xhr_streaming,
 * eventsource, htmlfile, jsonp), which open a session or attach to it, and sending requests
 * ({@code xhr_send}, {@code jsonp_send}), whose messages go to the session's connection.
 *
 * <p>A session belongs to the client address that opened it (the TCP peer, or the address a
 * trusted proxy forwarded): requests for it from any other address are answered 404, as if it did
 * not exist, counted, and never reach it. Session ids are public (they travel in URLs), so the
 * address is what binds them to their client.
 */
final class SockJsHttp {

  /** JSONP and htmlfile callbacks: SockJS's character set. */
  private static final Pattern CALLBACK = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");

  private final GatewayConfig config;
  private final HandshakeGate gate;
  private final LoopConnections loop;
  private final FanoutShard shard;
  private final ProtocolHandler protocol;
  private final Authenticator authenticator;
  private final GatewayMetrics metrics;
  private final SockJsNode node;
  private final Flusher flusher;
  /** Forwards requests for sessions other nodes own; null on a single node. */
  private final SockJsForwarder forwarder;

  SockJsHttp(GatewayConfig config, HandshakeGate gate, LoopConnections loop, FanoutShard shard,
             ProtocolHandler protocol, Authenticator authenticator, GatewayMetrics metrics,
             SockJsNode node, Flusher flusher) {
    this.flusher = flusher;
    this.config = config;
    this.gate = gate;
    this.loop = loop;
    this.shard = shard;
    this.protocol = protocol;
    this.authenticator = authenticator;
    this.metrics = metrics;
    this.node = node;
    this.forwarder = node.cluster() == null ? null : new SockJsForwarder(loop.context().owner(),
        node.cluster(), metrics, config.sockjs().heartbeatMs() + config.sockjs().sessionTimeoutMs()
            + 5_000);
  }

  /** A receiving request: attaches to its session, or opens one. */
  void receive(HttpServerRequest req, String id, Framing framing, QueryString query) {
    HttpMethod expected = framing == Framing.XHR_POLLING || framing == Framing.XHR_STREAMING
        ? HttpMethod.POST : HttpMethod.GET;
    if (req.method() == HttpMethod.OPTIONS && expected == HttpMethod.POST) {
      SockJsServer.preflight(req, gate, "OPTIONS, POST");
      return;
    }
    if (req.method() != expected) {
      SockJsServer.notFound(req);
      return;
    }
    String callback = null;
    if (framing == Framing.HTMLFILE || framing == Framing.JSONP) {
      callback = query.get("c");
      if (callback == null || callback.isEmpty()) {
        serverError(req, "\"callback\" parameter required");
        return;
      }
      if (!CALLBACK.matcher(callback).matches()) {
        serverError(req, "invalid \"callback\" parameter");
        return;
      }
    }
    receive(req, id, framing, callback);
  }

  private void receive(HttpServerRequest req, String id, Framing framing, String callback) {
    InetAddress client = gate.client(req);
    SockJsSession existing = node.sessions().get(id);
    if (existing != null) {
      attach(req, existing, client, framing, callback);
    } else if (forwarder == null) {
      openHere(req, id, client, framing, callback);
    } else {
      Context here = Vertx.currentContext();
      node.cluster().owner(id).onComplete(ar -> on(here, () -> {
        if (ar.failed()) {
          unavailable(req);
        } else if (ar.result() == null) {
          claim(req, id, client, framing, callback, true);
        } else {
          route(req, id, client, framing, callback, ar.result(), true);
        }
      }));
    }
  }

  /** A new session on a cluster: take ownership first, so other nodes find it from the start. */
  private void claim(HttpServerRequest req, String id, InetAddress client, Framing framing,
                     String callback, boolean mayRetry) {
    Context here = Vertx.currentContext();
    node.cluster().claim(id).onComplete(ar -> on(here, () -> {
      if (ar.failed()) {
        unavailable(req);
      } else {
        route(req, id, client, framing, callback, ar.result(), mayRetry);
      }
    }));
  }

  /** Serves a receiving request for a session the cluster says {@code owner} owns. */
  private void route(HttpServerRequest req, String id, InetAddress client, Framing framing,
                     String callback, String owner, boolean mayRetry) {
    SockJsSession local = node.sessions().get(id);
    if (local != null) {
      attach(req, local, client, framing, callback); // opened here meanwhile
      return;
    }
    if (owner.equals(node.cluster().nodeId())) {
      if (!openHere(req, id, client, framing, callback)) {
        node.cluster().unclaim(id);
      }
      return;
    }
    Context here = Vertx.currentContext();
    forwarder.check(owner, id, client).onComplete(ar -> on(here, () -> {
      switch (ar.result()) {
        case "ok" -> forwarder.receive(owner, id, client, startResponse(req, framing, callback));
        case "foreign" -> refuseForeign(req);
        default -> { // the owner no longer has it (or left): the id is free again
          node.cluster().forgetOwner(id, owner);
          if (mayRetry) {
            claim(req, id, client, framing, callback, false);
          } else {
            SockJsServer.notFound(req);
          }
        }
      }
    }));
  }

  /** Opens a session on this node; false when the request was refused or failed (nothing opened). */
  private boolean openHere(HttpServerRequest req, String id, InetAddress client, Framing framing,
                           String callback) {
    ConnectionSlots.Lease lease = gate.acquire(req, client);
    if (lease == null) {
      return false;
    }
    try {
      HandshakeSteps.reached(HandshakeSteps.ADMITTED);
      open(req, id, client, framing, callback, lease);
      return true;
    } catch (RuntimeException e) {
      lease.release();
      if (!req.response().headWritten()) {
        gate.reject(req, 500, "internal_error", "the session could not be opened");
      } else {
        req.connection().close();
      }
      return false;
    }
  }

  private void open(HttpServerRequest req, String id, InetAddress client, Framing framing,
                    String callback, ConnectionSlots.Lease lease) {
    Context here = Vertx.currentContext();
    GatewayConfig.SockJs sockjs = config.sockjs();
    SockJsSession session = new SockJsSession(id, client, transportName(framing), here,
        node.sessions(), sockjs.heartbeatMs(), sockjs.sessionTimeoutMs(), sockjs.maxBytesStreaming());
    SockJsSession holder = node.sessions().putIfAbsent(session);
    if (holder != session) {
      lease.release(); // another request opened it meanwhile, on another loop
      session.discard();
      attach(req, holder, client, framing, callback);
      return;
    }
    Connection c;
    try {
      c = new Connection(session, loop, shard, config.limits(), lease);
    } catch (RuntimeException e) {
      node.sessions().remove(session);
      throw e;
    }
    session.connection(c, protocol);
    try {
      HandshakeSteps.reached(HandshakeSteps.OPENED);
      if (authenticator.required()) {
        c.requireAuthenticationWithin(config.auth().deadlineMs());
      }
      session.open(receiver(req, framing, callback, session));
    } catch (RuntimeException e) {
      c.close(dev.gateway.protocol.CloseReason.INTERNAL_ERROR); // releases the lease
      if (!req.response().headWritten()) {
        gate.reject(req, 500, "internal_error", "the session could not be opened");
      }
    }
  }

  private void attach(HttpServerRequest req, SockJsSession session, InetAddress client,
                      Framing framing, String callback) {
    if (!owned(session, client)) {
      refuseForeign(req);
      return;
    }
    HttpReceiver receiver = receiver(req, framing, callback, session);
    onSession(session, () -> session.attach(receiver));
  }

  private HttpReceiver receiver(HttpServerRequest req, Framing framing, String callback,
                                SockJsSession session) {
    HttpReceiver receiver = startResponse(req, framing, callback);
    receiver.boundTo(session);
    return receiver;
  }

  private HttpReceiver startResponse(HttpServerRequest req, Framing framing, String callback) {
    gate.cors(req, false, null);
    req.response().putHeader(HttpHeaders.CACHE_CONTROL, SockJsServer.NO_CACHE);
    return new HttpReceiver(req, framing, callback, flusher);
  }

  /** {@code xhr_send} / {@code jsonp_send}: the messages of one body go to the session. */
  void send(HttpServerRequest req, String id, boolean jsonp) {
    if (req.method() == HttpMethod.OPTIONS && !jsonp) {
      SockJsServer.preflight(req, gate, "OPTIONS, POST");
      return;
    }
    if (req.method() != HttpMethod.POST) {
      SockJsServer.notFound(req);
      return;
    }
    SockJsSession session = node.sessions().get(id);
    InetAddress client = gate.client(req);
    if (session == null && forwarder == null) {
      SockJsServer.notFound(req);
      return;
    }
    if (session != null && !owned(session, client)) {
      refuseForeign(req);
      return;
    }
    Context here = Vertx.currentContext();
    BoundedBody.read(req, config.limits().maxMessageBytes()).onComplete(ar -> on(here, () -> {
      if (ar.failed()) {
        boolean tooLarge = ar.cause() instanceof BoundedBody.TooLarge;
        req.response().setStatusCode(tooLarge ? 413 : 400)
            .putHeader(HttpHeaders.CONNECTION, "close").end();
        return;
      }
      String payload = jsonp ? SendPayload.fromForm(ar.result(), req.getHeader(HttpHeaders.CONTENT_TYPE))
          : ar.result().toString(java.nio.charset.StandardCharsets.UTF_8);
      SockJsSession local = session != null ? session : node.sessions().get(id);
      if (local != null) {
        onSession(local, () -> {
          String error = local.deliver(payload);
          here.runOnContext(v -> answerSend(req, error, jsonp));
        });
      } else {
        forwardSend(req, id, client, payload, jsonp);
      }
    }));
  }

  private void forwardSend(HttpServerRequest req, String id, InetAddress client, String payload,
                           boolean jsonp) {
    Context here = Vertx.currentContext();
    node.cluster().owner(id).onComplete(ar -> on(here, () -> {
      String owner = ar.succeeded() ? ar.result() : null;
      if (owner == null || owner.equals(node.cluster().nodeId())) {
        SockJsServer.notFound(req);
        return;
      }
      forwarder.send(owner, id, client, payload).onComplete(sent -> on(here, () -> {
        switch (sent.result()) {
          case "ok" -> answerSend(req, null, jsonp);
          case "foreign" -> refuseForeign(req);
          case "missing", "closed" -> answerSend(req, "closed", jsonp);
          default -> answerSend(req, sent.result(), jsonp);
        }
      }));
    }));
  }

  private void answerSend(HttpServerRequest req, String error, boolean jsonp) {
    gate.cors(req, false, null);
    req.response().putHeader(HttpHeaders.CACHE_CONTROL, SockJsServer.NO_CACHE);
    if (Objects.equals(error, "closed")) {
      SockJsServer.notFound(req);
    } else if (error != null) {
      serverError(req, error);
    } else if (jsonp) {
      req.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8").end("ok");
    } else {
      req.response().setStatusCode(204)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8").end();
    }
  }

  private static boolean owned(SockJsSession session, InetAddress client) {
    return Objects.equals(session.owner(), client);
  }

  private void refuseForeign(HttpServerRequest req) {
    metrics.sockJsRefused("address_mismatch");
    SockJsServer.notFound(req);
  }

  private static void on(Context context, Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private static void unavailable(HttpServerRequest req) {
    req.response().setStatusCode(503).putHeader(HttpHeaders.RETRY_AFTER, "1").end();
  }

  private static void onSession(SockJsSession session, Runnable action) {
    if (Vertx.currentContext() == session.context()) {
      action.run();
    } else {
      session.context().runOnContext(v -> action.run());
    }
  }

  private static void serverError(HttpServerRequest req, String message) {
    req.response().setStatusCode(500).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8")
        .end(message);
  }

  /** Metric tag of a session, from the transport of the request that opened it. */
  static String transportName(Framing framing) {
    return switch (framing) {
      case XHR_POLLING -> "xhr-polling";
      case XHR_STREAMING -> "xhr-streaming";
      case EVENTSOURCE -> "eventsource";
      case HTMLFILE -> "htmlfile";
      case JSONP -> "jsonp-polling";
    };
  }
}
