package dev.gateway.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A message from a client, in the Vert.x event-bus bridge protocol. The codec produces these;
 * {@link dev.gateway.connection.ProtocolHandler} is the single place that acts on them.
 */
public sealed interface ClientMessage {

  /** {@code {"type":"register","address":A}}; {@code ack} is the gateway's optional receipt id. */
  record Register(String address, String ack) implements ClientMessage {
  }

  /** {@code {"type":"unregister","address":A}}. */
  record Unregister(String address, String ack) implements ClientMessage {
  }

  /** {@code {"type":"publish","address":A,"body":B,"headers":{..}}}: to every subscriber. */
  record Publish(String address, Object body, JsonObject headers) implements ClientMessage {
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
