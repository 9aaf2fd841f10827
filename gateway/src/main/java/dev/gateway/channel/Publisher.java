package dev.gateway.channel;

import dev.gateway.channel.stream.Broker;
import dev.gateway.channel.stream.Publication;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The one way into a channel, used by the HTTP API, the client protocol and the demo services:
 * a publication to a channel that keeps history goes to its stream ({@link Broker}), which
 * broadcasts it with its position ({@code gateway.offset}, {@code gateway.epoch}) from where the
 * channel is sequenced ({@link ChannelBroadcast}); any other is broadcast from here as it is.
 * Either way it is stamped ({@link PublishStamp}) and published on the event bus, so every
 * node's hub delivers it. Validation of addresses, headers and permissions is the
 * caller's; this never throws for a body with no JSON form on a history channel, it fails the
 * future. Thread-safe.
 */
public final class Publisher {

  /** What a publish did: the position (null on a channel without history), and whether it was a repeat. */
  public record Published(StreamPosition position, boolean duplicate) {
    static final Published NO_POSITION = new Published(null, false);
  }

  private final EventBus eventBus;
  private final PublishStamp stamp;
  private final Broker broker;

  public Publisher(EventBus eventBus, PublishStamp stamp, Broker broker) {
    this.eventBus = eventBus;
    this.stamp = stamp;
    this.broker = broker;
  }

  public Broker broker() {
    return broker;
  }

  /** Whether a channel keeps history. */
  public boolean keepsHistory(String address) {
    return broker.rules().ruleFor(address) != null;
  }

  /**
   * Publishes {@code body} with client-visible {@code headers} (may be empty) to a channel. With
   * an idempotency key, a repeat within the channel's time to live is answered with the first
   * publication's position and delivered to no one (channels with history only; without history
   * the key is ignored).
   */
  public Future<Published> publish(String address, Object body, MultiMap headers,
                                   String idempotencyKey) {
    if (!keepsHistory(address)) {
      try {
        eventBus.publish(address, body, options(headers));
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(e); // no event-bus form
      }
      return Future.succeededFuture(Published.NO_POSITION);
    }
    byte[] json;
    try {
      json = Json.encode(body).getBytes(StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      return Future.failedFuture(new IllegalArgumentException("body has no JSON form", e));
    }
    Publication publication = new Publication(ProtocolCodec.storedHeaders(headers), json,
        idempotencyKey, stamp.nodeId(), stamp.now());
    return broker.append(address, publication)
        .map(appended -> new Published(appended.position(), appended.duplicate()));
  }

  private DeliveryOptions options(MultiMap headers) {
    DeliveryOptions options = new DeliveryOptions();
    if (headers != null) {
      for (Map.Entry<String, String> e : headers) {
        options.addHeader(e.getKey(), e.getValue());
      }
    }
    return stamp.stamp(options);
  }
}
