package dev.gateway.connection;

import dev.gateway.auth.Authenticator;
import dev.gateway.auth.Grant;
import dev.gateway.auth.Permissions;
import dev.gateway.channel.ChannelHub;
import dev.gateway.channel.PublishStamp;
import dev.gateway.channel.Publisher;
import dev.gateway.channel.stream.Broker;
import dev.gateway.channel.stream.HistoryMetrics;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.config.GatewayConfig;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.presence.Presence;
import dev.gateway.protocol.ClientMessage;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.ErrorCode;
import dev.gateway.protocol.Outbound;
import dev.gateway.protocol.ProtocolCodec;
import dev.gateway.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The single entry point for client messages on every transport and the single authorisation
 * point: decode, check permissions and limits, act on the event bus, answer with stable codes.
 */
public final class ProtocolHandler {

  private final EventBus eventBus;
  private final Publisher publisher;
  private final StreamRegistration streams;
  private final Authenticator authenticator;
  private final PublishStamp stamp;
  private final Permissions permissions;
  private final ProtocolCodec codec;
  private final GatewayMetrics metrics;
  private final Presence presence;
  private final int maxChannels;
  private final int maxAddressLength;
  private final long requestTimeoutMs;
  private final ServerSubscriptions serverSide;

  public ProtocolHandler(EventBus eventBus, GatewayConfig config, Authenticator authenticator,
                         PublishStamp stamp, GatewayMetrics metrics, Publisher publisher,
                         ChannelHub hub, HistoryMetrics history, Presence presence) {
    this.publisher = publisher;
    this.streams = new StreamRegistration(publisher, hub, history);
    this.eventBus = eventBus;
    this.authenticator = authenticator;
    this.stamp = stamp;
    this.permissions = new Permissions(config.permissions());
    this.codec = new ProtocolCodec(config.limits().maxAddressLength());
    this.maxAddressLength = config.limits().maxAddressLength();
    this.metrics = metrics;
    this.presence = presence;
    this.maxChannels = config.limits().maxChannelsPerConnection();
    this.requestTimeoutMs = config.limits().requestTimeoutMs();
    this.serverSide = new ServerSubscriptions(permissions, maxChannels, streams, metrics, presence);
  }

  /** Handles one text message from the client. Runs on the connection's event loop. */
  public void handle(Connection c, String text) {
    if (c.isClosed()) {
      return;
    }
    metrics.messagesReceived(c.transportName(), 1);
    RateLimiter.Verdict verdict = c.inbound(utf8Length(text));
    if (verdict == RateLimiter.Verdict.CLOSE) {
      c.close(CloseReason.RATE_LIMITED);
      return;
    }
    if (verdict == RateLimiter.Verdict.REFUSE) {
      error(c, ErrorCode.RATE_LIMITED, "rate limit exceeded; message discarded");
      return;
    }
    ProtocolCodec.Envelope envelope;
    try {
      envelope = codec.decodeEnvelope(text);
    } catch (ProtocolException e) {
      if (authenticator.required() && c.grant() == null) {
        c.close(CloseReason.UNAUTHORIZED); // the first message must authenticate
      } else {
        error(c, e.code(), e.getMessage(), e.ack());
      }
      return;
    }
    Map<String, StreamPosition> positions = null;
    try {
      positions = positions(c, envelope);
    } catch (ProtocolException e) {
      // told, and the message goes on without them: its subscriptions start where the channel is
      error(c, e.code(), e.getMessage());
    }
    String token = envelope.token();
    boolean mustAuthenticate = authenticator.required() && c.grant() == null;
    if (token != null && authenticator.enabled() && !token.equals(c.tokenSeen())) {
      authenticateThenDispatch(c, token, positions, envelope.message());
    } else if (mustAuthenticate) {
      c.close(CloseReason.UNAUTHORIZED);
    } else {
      dispatch(c, envelope.message());
    }
  }

  /**
   * A message a transport sends on its client's behalf (an SSE stream registers to the channels
   * its URL names): decoded, authorised and answered exactly as the client's own message, through
   * the same dispatch, without the inbound rate limit (the client sent nothing itself) and
   * without a token in its headers (the transport authenticated the client already).
   */
  public void handleOnBehalf(Connection c, String text) {
    if (c.isClosed()) {
      return;
    }
    ClientMessage m;
    try {
      m = codec.decode(text);
    } catch (ProtocolException e) {
      error(c, e.code(), e.getMessage(), e.ack());
      return;
    }
    dispatch(c, m);
  }

  /**
   * The {@code gateway.positions} of a message ({@link ConnectPositions}): read only on the
   * message that carries the connection's first token, and only once; anywhere else refused.
   */
  private Map<String, StreamPosition> positions(Connection c, ProtocolCodec.Envelope envelope)
      throws ProtocolException {
    if (envelope.positions() == null) {
      return null;
    }
    if (envelope.token() == null || c.grant() != null || c.hasConnectPositions()
        || !authenticator.enabled()) {
      throw new ProtocolException(ErrorCode.INVALID_POSITION, ProtocolCodec.POSITIONS_HEADER
          + " goes with the connection's first token, once");
    }
    return ConnectPositions.parse(envelope.positions(), maxChannels, maxAddressLength);
  }

  /**
   * A token arrived in a message's headers (SockJS authenticates with its first message; any
   * connection may refresh its token this way). Reading pauses until it is verified.
   */
  private void authenticateThenDispatch(Connection c, String token,
                                        Map<String, StreamPosition> positions, ClientMessage m) {
    c.tokenSeen(token);
    c.requestStarted();
    authenticator.verify(token).onComplete(ar -> {
      c.requestFinished();
      if (c.isClosed()) {
        return;
      }
      if (ar.failed()) {
        metrics.authFailure("invalid_token");
        c.close(CloseReason.UNAUTHORIZED);
        return;
      }
      Grant previous = c.grant();
      Grant next = ar.result();
      if (previous != null && !java.util.Objects.equals(previous.subject(), next.subject())) {
        c.close(CloseReason.UNAUTHORIZED); // a connection does not change hands (or users)
        return;
      }
      c.grant(next);
      if (previous == null) {
        if (positions != null) {
          c.connectPositions(positions);
        }
        serverSide.subscribeClaimed(c, next);
      }
      // a refreshed token may grant less: leave the channels it no longer allows (those the
      // gateway subscribed server-side stay: no token decided them)
      for (String channel : new java.util.ArrayList<>(c.channels())) {
        if (!c.isServerSide(channel) && !mayRegister(next, channel)) {
          c.channels().remove(channel);
          c.shard().unsubscribe(c, channel);
          presence.leave(c, channel);
        }
      }
      if (previous != null && !java.util.Objects.equals(previous.info(), next.info())) {
        // its presence members show the new info
        presence.infoChanged(c, new java.util.ArrayList<>(c.channels()));
      }
      dispatch(c, m);
    });
  }

  /**
   * A token verified at the handshake: the connection's grant, then the channels of its
   * {@code channels} claim, subscribed server-side, from the positions the client gave at the
   * handshake ({@link ConnectPositions}, null for none).
   */
  public void authenticated(Connection c, String token, Grant grant,
                            Map<String, StreamPosition> positions) {
    c.authenticated(token, grant);
    if (positions != null) {
      c.connectPositions(positions);
    }
    serverSide.subscribeClaimed(c, grant);
  }

  /**
   * The channels of the connection's token's {@code channels} claim, subscribed server-side from
   * {@code positions} (null for none), for a transport that sets the grant first and registers
   * its own channels before these (an SSE stream).
   */
  public void claimed(Connection c, Map<String, StreamPosition> positions) {
    if (positions != null) {
      c.connectPositions(positions);
    }
    serverSide.subscribeClaimed(c, c.grant());
  }

  /** The positions of a handshake's query parameter, checked as the connection's limits say. */
  public Map<String, StreamPosition> handshakePositions(String text) throws ProtocolException {
    return ConnectPositions.parse(text, maxChannels, maxAddressLength);
  }

  /** Subscriptions the gateway makes and ends itself (the users API, the channels claim). */
  public ServerSubscriptions serverSide() {
    return serverSide;
  }

  private void dispatch(Connection c, ClientMessage m) {
    if (m instanceof ClientMessage.Register r) {
      register(c, r);
    } else if (m instanceof ClientMessage.Unregister u) {
      unregister(c, u);
    } else if (m instanceof ClientMessage.Publish p) {
      publish(c, p);
    } else if (m instanceof ClientMessage.Send s) {
      send(c, s);
    } else if (m instanceof ClientMessage.History h) {
      if (!mayRead(c, h.address())) {
        error(c, ErrorCode.ACCESS_DENIED, "may not read the history of '" + h.address() + "'",
            h.ack());
      } else {
        streams.history(c, h);
      }
    } else if (m instanceof ClientMessage.Presence p) {
      if (mayReadPresence(c, p.address(), p.ack())) {
        presence.page(c, p);
      }
    } else if (m instanceof ClientMessage.PresenceStats s) {
      if (mayReadPresence(c, s.address(), s.ack())) {
        presence.stats(c, s);
      }
    }
    // Ping: nothing to answer; receiving it is what keeps the connection alive
  }

  /** What reads a channel without registering to it (history, presence) needs: subscribe permission. */
  private boolean mayRead(Connection c, String address) {
    return permissions(c).maySubscribe(address) && !permissions.isService(address);
  }

  /** Subscribe permission and a channel with presence; otherwise answers the err. */
  private boolean mayReadPresence(Connection c, String address, String ack) {
    if (!mayRead(c, address)) {
      error(c, ErrorCode.ACCESS_DENIED, "may not read the presence of '" + address + "'", ack);
      return false;
    }
    if (!presence.covers(address)) {
      error(c, ErrorCode.NO_PRESENCE, "'" + address + "' has no presence", ack);
      return false;
    }
    return true;
  }

  /**
   * Acks a completed register (with the presence mode when it asked for join/leave events) and
   * then starts its events, so no event reaches the client before the ack.
   */
  private void registered(Connection c, ClientMessage.Register r, boolean first) {
    String mode = r.joinLeave() ? presence.mode(r.address()) : null;
    Runnable then = () -> {
      if (r.joinLeave()) {
        presence.watch(c, r.address());
      }
    };
    if (streams.handles(r)) {
      if (first) {
        streams.subscribed(c, r, mode, then);
      } else {
        streams.registeredAgain(c, new ClientMessage.Register(r.address(), r.ack()), mode, then);
      }
      return;
    }
    if (mode != null && r.ack() != null) {
      c.reply(Outbound.direct(ProtocolCodec.presenceAck(r.ack(), r.address(), mode)));
    } else {
      ack(c, r.ack());
    }
    then.run();
  }

  private void register(Connection c, ClientMessage.Register r) {
    String address = r.address();
    if (!mayRegister(c.grant(), address)) {
      error(c, ErrorCode.ACCESS_DENIED, "may not register to '" + address + "'", r.ack());
      return;
    }
    if (c.channels().contains(address)) {
      // already registered, or registering: the ack still means "complete" (on a history
      // channel with the current position; nothing is replayed a second time)
      c.shard().ready(address).onComplete(ar -> {
        if (ar.succeeded() && !c.isClosed()) {
          registered(c, r, false);
        }
      });
      return;
    }
    if (c.channels().size() >= maxChannels) {
      error(c, ErrorCode.TOO_MANY_CHANNELS, "at most " + maxChannels + " channels per connection",
          r.ack());
      return;
    }
    if (!c.mayStartRequest()) {
      error(c, ErrorCode.TOO_MANY_PENDING, "too many requests in flight", r.ack());
      return;
    }
    c.channels().add(address);
    c.requestStarted();
    boolean stream = streams.handles(r);
    if (stream) {
      streams.beforeSubscribe(c, r);
    }
    Future<Void> ready = c.shard().subscribe(c, address);
    ready.onComplete(ar -> {
      c.requestFinished();
      if (ar.succeeded()) {
        if (!c.isClosed() && c.channels().contains(address)) {
          presence.join(c, address); // not after the connection left it (or closed) meanwhile
        }
        registered(c, r, true);
      } else if (!c.isClosed() && c.shard().isCurrent(address, ready)) {
        if (stream) {
          streams.failed(c, r);
        }
        // only undo this attempt: a later register of the same address has its own
        c.channels().remove(address);
        c.shard().unsubscribe(c, address);
        error(c, ErrorCode.REGISTRATION_FAILED, "could not register '" + address + "', retry",
            r.ack());
      }
    });
  }

  private void unregister(Connection c, ClientMessage.Unregister u) {
    if (c.channels().remove(u.address())) {
      c.serverSide(u.address(), false);
      c.shard().unsubscribe(c, u.address());
      c.recoveryAbandoned(u.address());
      presence.leave(c, u.address());
    }
    ack(c, u.ack());
  }

  private void publish(Connection c, ClientMessage.Publish p) {
    if (!permissions(c).mayPublish(p.address())) {
      error(c, ErrorCode.ACCESS_DENIED, "may not publish to '" + p.address() + "'", p.ack());
      return;
    }
    publisher.publish(p.address(), p.body(), headers(p.headers()), p.idempotencyKey())
        .onComplete(ar -> c.context().runOnContext(v -> {
          if (ar.failed()) {
            if (ar.cause() instanceof Broker.HistoryRefused refused) {
              error(c, ErrorCode.HISTORY_LIMIT, refused.getMessage(), p.ack());
            } else {
              error(c, ErrorCode.INVALID_FIELD, "body has no event-bus form", p.ack());
            }
          } else if (p.ack() != null) {
            StreamPosition at = ar.result().position();
            c.reply(Outbound.direct(ProtocolCodec.publishAck(p.ack(),
                at == null ? null : at.offset(), at == null ? null : at.epoch())));
          }
        }));
  }

  private static MultiMap headers(JsonObject headers) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    if (headers != null) {
      for (Map.Entry<String, Object> e : headers) {
        if (e.getValue() != null) {
          out.add(e.getKey(), String.valueOf(e.getValue()));
        }
      }
    }
    return out;
  }

  private void send(Connection c, ClientMessage.Send s) {
    String replyAddress = s.replyAddress();
    if (!permissions(c).maySend(s.address())) {
      String message = "may not send to '" + s.address() + "'";
      if (replyAddress != null) {
        requestError(c, replyAddress, ErrorCode.ACCESS_DENIED, "ACCESS_DENIED", message);
      } else {
        error(c, ErrorCode.ACCESS_DENIED, message);
      }
      return;
    }
    DeliveryOptions options = deliveryOptions(s.headers());
    try {
      if (replyAddress == null) {
        eventBus.send(s.address(), s.body(), options);
        return;
      }
      options.setSendTimeout(requestTimeoutMs);
      if (!c.mayStartRequest()) {
        requestError(c, replyAddress, ErrorCode.TOO_MANY_PENDING, "TOO_MANY_PENDING",
            "too many requests in flight");
        return;
      }
      c.requestStarted();
      eventBus.request(s.address(), s.body(), options).onComplete(ar -> {
        c.requestFinished();
        if (ar.succeeded()) {
          Message<Object> reply = ar.result();
          byte[] bytes;
          try {
            bytes = ProtocolCodec.rec(replyAddress, reply.body(), reply.headers());
          } catch (RuntimeException e) {
            bytes = ProtocolCodec.replyFailure(replyAddress, -1, "RECIPIENT_FAILURE",
                "reply body has no JSON form", null);
          }
          c.reply(Outbound.direct(bytes));
        } else {
          c.reply(Outbound.direct(failure(replyAddress, ar.cause())));
        }
      });
    } catch (IllegalArgumentException e) {
      error(c, ErrorCode.INVALID_FIELD, "body has no event-bus form");
    }
  }

  /**
   * Registration: only to a channel of the configured namespaces (never a service: the
   * registration would take a share of the service's point-to-point traffic and read other
   * clients' requests), and only inside the token's grant when there is one. A token narrows
   * the namespaces the operator opened; it cannot open another one.
   */
  private boolean mayRegister(Grant grant, String address) {
    return permissions.isChannel(address)
        && (grant == null || grant.permissions().maySubscribe(address));
  }

  /** Bytes of the message in UTF-8, as the byte rate counts them (no copy made). */
  static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch < 0x80) {
        bytes++;
      } else if (ch < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(ch) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /** The one authorisation point: the token's grant, else the anonymous permissions. */
  private Permissions permissions(Connection c) {
    Grant g = c.grant();
    return g != null ? g.permissions() : permissions;
  }

  /** A request the gateway refuses itself: an err addressed to the client's reply address. */
  private void requestError(Connection c, String replyAddress, ErrorCode code, String failureType,
                            String message) {
    metrics.clientError(code.wire());
    c.reply(Outbound.direct(ProtocolCodec.replyFailure(replyAddress, -1, failureType, message, code)));
  }

  private static byte[] failure(String replyAddress, Throwable cause) {
    if (cause instanceof ReplyException re) {
      return ProtocolCodec.replyFailure(replyAddress, re.failureCode(), re.failureType().name(),
          re.getMessage(), null);
    }
    return ProtocolCodec.replyFailure(replyAddress, -1, "RECIPIENT_FAILURE",
        String.valueOf(cause.getMessage()), null);
  }

  private static DeliveryOptions deliveryOptions(JsonObject headers) {
    DeliveryOptions options = new DeliveryOptions();
    if (headers != null) {
      for (Map.Entry<String, Object> e : headers) {
        if (e.getValue() != null) {
          options.addHeader(e.getKey(), String.valueOf(e.getValue()));
        }
      }
    }
    return options;
  }

  private void ack(Connection c, String id) {
    if (id != null) {
      c.reply(Outbound.direct(ProtocolCodec.ack(id)));
    }
  }

  private void error(Connection c, ErrorCode code, String message) {
    error(c, code, message, null);
  }

  /** An {@code err}; with the refused message's ack id when it had one. */
  private void error(Connection c, ErrorCode code, String message, String ack) {
    metrics.clientError(code.wire());
    c.reply(Outbound.direct(ProtocolCodec.err(code, message, ack)));
  }
}
