package dev.gateway.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A message from a client, in the Vert.x event-bus bridge protocol. The codec produces these;
 * {@link dev.gateway.connection.ProtocolHandler} is the single place that acts on them.
 */
public sealed interface ClientMessage {

  /**
   * {@code {"type":"register","address":A}}; {@code ack} is the gateway's optional receipt id;
   * {@code since} and {@code epoch} (headers {@code gateway.since}, {@code gateway.epoch}) ask
   * for what was published after that position (both or neither; since is null without them);
   * {@code joinLeave} (header {@code gateway.joinLeave} "true") asks for the channel's join and
   * leave events.
   */
  record Register(String address, String ack, Long since, String epoch, boolean joinLeave)
      implements ClientMessage {
    public Register(String address, String ack) {
      this(address, ack, null, null, false);
    }

    public Register(String address, String ack, Long since, String epoch) {
      this(address, ack, since, epoch, false);
    }
  }

  /** {@code {"type":"unregister","address":A}}. */
  record Unregister(String address, String ack) implements ClientMessage {
  }

  /**
   * {@code {"type":"publish","address":A,"body":B,"headers":{..}}}: to every subscriber;
   * {@code ack} asks for a receipt (with the position on a history channel); the header
   * {@code gateway.idempotencyKey} makes a repeat within the channel's time to live harmless.
   * {@code headers} never holds a reserved header.
   */
  record Publish(String address, Object body, JsonObject headers, String ack,
                 String idempotencyKey) implements ClientMessage {
    public Publish(String address, Object body, JsonObject headers) {
      this(address, body, headers, null, null);
    }
  }

  /**
   * {@code {"type":"history","address":A,"limit":N,"ack":ID}}: the newest N publications of a
   * history channel, answered {@code {"type":"history","ack":ID,...}}.
   */
  record History(String address, int limit, String ack) implements ClientMessage {
  }

  /**
   * {@code {"type":"presence","address":A,"limit":N,"cursor":C,"ack":ID}}: one page of the
   * channel's members in client-id order, after {@code cursor} (null: from the first).
   */
  record Presence(String address, int limit, String cursor, String ack) implements ClientMessage {
  }

  /** {@code {"type":"presence_stats","address":A,"ack":ID}}: the channel's member counts. */
  record PresenceStats(String address, String ack) implements ClientMessage {
  }

  /**
   * {@code {"type":"send","address":A,"body":B,"headers":{..},"replyAddress":R}}: point-to-point;
   * with a reply address the backend's reply comes back as {@code rec} addressed to R.
   */
  record Send(String address, Object body, JsonObject headers, String replyAddress)
      implements ClientMessage {
  }

  /** {@code {"type":"ping"}}: keeps the connection alive; never answered (the bridge client ignores answers). */
  record Ping() implements ClientMessage {
  }
}
