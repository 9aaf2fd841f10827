package dev.gateway.connection;

import dev.gateway.auth.Grant;
import dev.gateway.auth.Permissions;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.presence.Presence;
import dev.gateway.protocol.ErrorCode;
import dev.gateway.protocol.Outbound;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.Future;

/**
 * Subscriptions the gateway makes and ends on its own initiative: the users API
 * ({@code POST /api/users/subscribe}, {@code /unsubscribe}) and a token's {@code channels} claim.
 * They go through the same shard registration as a client's register, so what holds for a
 * register holds for them: only channels of the configured namespaces (never a service),
 * {@code limits.maxChannelsPerConnection}, on a history channel no broadcast before the client
 * is told the position. The token's {@code subscribe} claim does not apply (the backend or the
 * token's issuer decided), and a token refresh does not drop them. Every method runs on the
 * connection's loop.
 */
public final class ServerSubscriptions {

  /** Outcomes of a change for one connection (the users API counts them). */
  public static final String SUBSCRIBED = "subscribed";
  public static final String UNSUBSCRIBED = "unsubscribed";
  public static final String ALREADY = "already";
  public static final String NOT_SUBSCRIBED = "not_subscribed";
  public static final String NOT_A_CHANNEL = "not_a_channel";
  public static final String TOO_MANY_CHANNELS = "too_many_channels";
  public static final String FAILED = "failed";
  public static final String CLOSED = "closed";

  private final Permissions permissions;
  private final int maxChannels;
  private final StreamRegistration streams;
  private final GatewayMetrics metrics;
  private final Presence presence;

  ServerSubscriptions(Permissions permissions, int maxChannels, StreamRegistration streams,
                      GatewayMetrics metrics, Presence presence) {
    this.presence = presence;
    this.permissions = permissions;
    this.maxChannels = maxChannels;
    this.streams = streams;
    this.metrics = metrics;
  }

  /**
   * Subscribes the connection to a channel and, once the registration is complete, tells the
   * client {@code {"type":"subscribed","channel":A}} (with the position on a history channel,
   * its broadcasts held until then). Not counted against the client's pending requests. The
   * future completes on the loop with one of the outcomes: {@link #SUBSCRIBED}, {@link #ALREADY}
   * (registered already, by the client or the gateway), {@link #NOT_A_CHANNEL},
   * {@link #TOO_MANY_CHANNELS}, {@link #FAILED} (the registration failed), {@link #CLOSED}, or
   * {@link #NOT_SUBSCRIBED} (unregistered before the registration was complete).
   */
  public Future<String> subscribe(Connection c, String address) {
    if (c.isClosed()) {
      return Future.succeededFuture(CLOSED);
    }
    if (!permissions.isChannel(address)) {
      return Future.succeededFuture(NOT_A_CHANNEL);
    }
    if (c.channels().contains(address)) {
      c.serverSide(address, true);
      return Future.succeededFuture(ALREADY);
    }
    if (c.channels().size() >= maxChannels || !c.mayAddChannel(address)) {
      return Future.succeededFuture(TOO_MANY_CHANNELS);
    }
    c.channels().add(address);
    c.serverSide(address, true);
    boolean history = streams.keepsHistory(address);
    if (history) {
      c.holdForRecovery(address);
    }
    Future<Void> ready = c.shard().subscribe(c, address);
    return ready.transform(ar -> {
      if (c.isClosed()) {
        return Future.succeededFuture(CLOSED);
      }
      boolean current = c.channels().contains(address) && c.shard().isCurrent(address, ready);
      if (ar.succeeded()) {
        if (!current) {
          return Future.succeededFuture(NOT_SUBSCRIBED); // an unregister came first
        }
        streams.serverSubscribed(c, address);
        presence.join(c, address); // a member like any registered connection
        return Future.succeededFuture(SUBSCRIBED);
      }
      if (current) {
        if (history) {
          c.recoveryAbandoned(address);
        }
        c.channels().remove(address);
        c.serverSide(address, false);
        c.shard().unsubscribe(c, address);
      }
      return Future.succeededFuture(FAILED);
    });
  }

  /**
   * Ends the connection's subscription to a channel, however it was made, and tells the client
   * {@code {"type":"unsubscribed","channel":A}}: {@link #UNSUBSCRIBED}, {@link #NOT_SUBSCRIBED}
   * or {@link #CLOSED}.
   */
  public String unsubscribe(Connection c, String address) {
    if (c.isClosed()) {
      return CLOSED;
    }
    if (!c.channels().remove(address)) {
      return NOT_SUBSCRIBED;
    }
    c.serverSide(address, false);
    c.shard().unsubscribe(c, address);
    c.recoveryAbandoned(address);
    presence.leave(c, address);
    c.reply(Outbound.direct(ProtocolCodec.unsubscribed(address)));
    return UNSUBSCRIBED;
  }

  /**
   * The channels of a grant's {@code channels} claim, subscribed when the token is first
   * verified; a claimed address that is not a channel, or one over the channel limit, is told
   * the client as an {@code err} ({@code access_denied}, {@code too_many_channels}).
   */
  void subscribeClaimed(Connection c, Grant grant) {
    for (String channel : grant.channels()) {
      subscribe(c, channel).onSuccess(outcome -> {
        if (outcome.equals(NOT_A_CHANNEL)) {
          error(c, ErrorCode.ACCESS_DENIED, "the token's channel '" + channel + "' is not a channel");
        } else if (outcome.equals(TOO_MANY_CHANNELS)) {
          error(c, ErrorCode.TOO_MANY_CHANNELS, "at most " + maxChannels
              + " channels per connection: the token's channel '" + channel + "' was not registered");
        }
      });
    }
  }

  private void error(Connection c, ErrorCode code, String message) {
    metrics.clientError(code.wire());
    c.reply(Outbound.direct(ProtocolCodec.err(code, message)));
  }
}
