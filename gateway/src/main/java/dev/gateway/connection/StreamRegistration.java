package dev.gateway.connection;

import dev.gateway.channel.ChannelHub;
import dev.gateway.channel.Publisher;
import dev.gateway.channel.stream.Broker;
import dev.gateway.channel.stream.ChannelStream;
import dev.gateway.channel.stream.HistoryAnswer;
import dev.gateway.channel.stream.HistoryMetrics;
import dev.gateway.channel.stream.HistoryRules;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.protocol.ClientMessage;
import dev.gateway.protocol.ErrorCode;
import dev.gateway.protocol.Outbound;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * What a register means on a channel with history, and the history request. A register's ack
 * then carries the position the client is at; with {@code gateway.since}/{@code gateway.epoch}
 * the gateway first looks the position up in history: served whole, it acks
 * {@code recovered:true} with the position after the replay, writes the publications after the
 * requested offset in order, then the live ones that arrived meanwhile (held from before the
 * subscription, so there is no gap and no duplicate at the seam); otherwise it acks
 * {@code recovered:false} with the current position and replays nothing (the client reloads from
 * its application). Runs on the connection's loop.
 */
final class StreamRegistration {

  private final Publisher publisher;
  private final ChannelHub hub;
  private final HistoryMetrics metrics;

  StreamRegistration(Publisher publisher, ChannelHub hub, HistoryMetrics metrics) {
    this.publisher = publisher;
    this.hub = hub;
    this.metrics = metrics;
  }

  /** Whether the register needs this class: a history channel, or a position was given. */
  boolean handles(ClientMessage.Register r) {
    return r.since() != null || publisher.keepsHistory(r.address());
  }

  /**
   * Before subscribing: a register that will be acked with a position (it asks for a recovery,
   * or has an ack id) holds the channel's live broadcasts from now on, until the ack is written:
   * the position is read on the hub while broadcasts go on, and a broadcast queued to this loop
   * between that read and the ack would otherwise reach the client before the ack, past the
   * position it is about to be told.
   */
  void beforeSubscribe(Connection c, ClientMessage.Register r) {
    if ((r.since() != null || r.ack() != null) && publisher.keepsHistory(r.address())) {
      c.holdForRecovery(r.address());
    }
  }

  /** The subscription failed: nothing held is written. */
  void failed(Connection c, ClientMessage.Register r) {
    c.recoveryAbandoned(r.address());
  }

  /**
   * The subscription is complete (on the connection's loop): answer, and replay if asked; then
   * run {@code then} (right after the ack, or at once when there is none to write).
   * {@code presence} goes into the ack (null: the register asked for no join/leave events).
   */
  void subscribed(Connection c, ClientMessage.Register r, String presence, Runnable then) {
    answer(c, r, true, registerAck(r, presence), then);
  }

  /**
   * A register for a channel the connection is registered to already: acked with the current
   * position, nothing replayed, and whatever its first register holds is left to that one.
   */
  void registeredAgain(Connection c, ClientMessage.Register r, String presence, Runnable then) {
    answer(c, r, false, registerAck(r, presence), then);
  }

  /** How a subscription's outcome is told the client: a register ack, or {@code subscribed}. */
  private interface Answer {
    byte[] message(boolean recovered, Long offset, String epoch, String reason);
  }

  private static Answer registerAck(ClientMessage.Register r, String presence) {
    return (recovered, offset, epoch, reason) -> ProtocolCodec.registerAck(r.ack(), r.address(),
        recovered, offset, epoch, reason, presence);
  }

  private void answer(Connection c, ClientMessage.Register r, boolean first, Answer answer,
                      Runnable then) {
    String address = r.address();
    if (!publisher.keepsHistory(address)) {
      metrics.recovery("no_history");
      c.reply(Outbound.direct(answer.message(false, null, null, "no_history")));
      then.run();
      return;
    }
    if (r.since() == null) {
      if (r.ack() == null) {
        then.run();
        return; // no id, no position asked for: no ack (the official client would take it for a message)
      }
      onLoop(c, hub.delivered(address), position -> {
        StreamPosition p = position == null ? new StreamPosition(0, "") : position;
        c.reply(Outbound.direct(answer.message(true, p.offset(), p.epoch(), null)));
        if (first) {
          c.acknowledged(address, p.offset(), p.epoch());
        }
        then.run();
      });
      return;
    }
    Broker broker = publisher.broker();
    HistoryRules.Rule rule = broker.rules().ruleFor(address);
    onLoop(c, broker.after(address, r.since(), rule.size()), slice -> {
      if (c.isClosed()) {
        return;
      }
      // a client registered before anything was published holds offset 0 and no epoch: it
      // recovers from the stream's start, whatever its epoch, while that start is retained
      boolean sameStream = slice != null && (slice.position().epoch().equals(r.epoch())
          || (r.since() == 0 && r.epoch().isEmpty()));
      boolean whole = sameStream && slice.whole();
      if (!whole) {
        notRecovered(c, r, slice, true, answer, then);
        return;
      }
      List<Outbound> replay = new ArrayList<>(slice.items().size());
      long bytes = 0;
      for (ChannelStream.Item item : slice.items()) {
        Outbound o = new Outbound(ProtocolCodec.recStored(address, item.headers(), item.body(),
            item.offset(), slice.position().epoch()), 0, false, address, item.offset(),
            slice.position().epoch());
        replay.add(o);
        bytes += o.size();
      }
      if (!c.mayTakeReplay(bytes)) {
        // more than the connection may hold while it reads: the client reloads instead
        metrics.recovery("too_large");
        notRecovered(c, r, slice, false, answer, then);
        return;
      }
      long at = slice.items().isEmpty() ? r.since()
          : slice.items().get(slice.items().size() - 1).offset();
      metrics.recovery("recovered");
      metrics.replayed(replay.size());
      c.reply(Outbound.direct(answer.message(true, at, slice.position().epoch(), null)));
      c.recovered(address, replay, at, slice.position().epoch());
      then.run();
    });
  }

  private void notRecovered(Connection c, ClientMessage.Register r, ChannelStream.Slice slice,
                            boolean count, Answer answer, Runnable then) {
    String address = r.address();
    if (count) {
      metrics.recovery("not_recovered");
    }
    onLoop(c, hub.delivered(address), delivered -> {
      StreamPosition p = delivered != null ? delivered
          : slice != null ? slice.position() : new StreamPosition(0, "");
      c.reply(Outbound.direct(answer.message(false, p.offset(), p.epoch(), null)));
      c.acknowledged(address, p.offset(), p.epoch());
      then.run();
    });
  }

  /**
   * A server-side subscription is complete: the client is told ({@code subscribed}); on a history
   * channel with the position it is at, after which its live broadcasts (held since
   * {@link Connection#holdForRecovery}) go out, as after a register ack. When the client gave a
   * position for the channel as it connected ({@link ConnectPositions}), it recovers from there
   * exactly as a register with {@code gateway.since}: {@code subscribed} then says
   * {@code recovered} true (the missed publications follow, then the live ones) or false.
   */
  void serverSubscribed(Connection c, String address) {
    StreamPosition from = c.takeConnectPosition(address);
    if (from != null) {
      // the client gave its position when it connected: recover as a register with it would
      ClientMessage.Register r = new ClientMessage.Register(address, null, from.offset(),
          from.epoch());
      answer(c, r, true, (recovered, offset, epoch, reason) -> ProtocolCodec.subscribed(address,
          recovered, offset, epoch, reason), () -> { });
      return;
    }
    if (!publisher.keepsHistory(address)) {
      c.reply(Outbound.direct(ProtocolCodec.subscribed(address, null, null)));
      return;
    }
    onLoop(c, hub.delivered(address), position -> {
      StreamPosition p = position == null ? new StreamPosition(0, "") : position;
      c.reply(Outbound.direct(ProtocolCodec.subscribed(address, p.offset(), p.epoch())));
      c.acknowledged(address, p.offset(), p.epoch());
    });
  }

  /** Whether the channel keeps history (its broadcasts carry positions). */
  boolean keepsHistory(String address) {
    return publisher.keepsHistory(address);
  }

  /** {@code {"type":"history"}}: the newest publications of a history channel. */
  void history(Connection c, ClientMessage.History h) {
    String address = h.address();
    if (!publisher.keepsHistory(address)) {
      c.reply(Outbound.direct(ProtocolCodec.err(ErrorCode.NO_HISTORY,
          "'" + address + "' keeps no history", h.ack())));
      return;
    }
    onLoop(c, publisher.broker().latest(address, h.limit()), slice ->
        c.reply(Outbound.direct(HistoryAnswer.message(h.ack(), address, slice))));
  }

  /** Runs {@code action} with the result on the connection's loop; failures become empty answers. */
  private static <T> void onLoop(Connection c, Future<T> future,
                                 java.util.function.Consumer<T> action) {
    future.onComplete(ar -> c.context().runOnContext(v -> {
      if (!c.isClosed()) {
        action.accept(ar.succeeded() ? ar.result() : null);
      }
    }));
  }
}
