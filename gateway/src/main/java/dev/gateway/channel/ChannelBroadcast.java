package dev.gateway.channel;

import dev.gateway.channel.stream.Broadcast;
import dev.gateway.cluster.ClusterSeal;
import dev.gateway.channel.stream.Publication;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The broadcast of a publication a broker appended: the body and client-visible headers as they
 * were stored, the position ({@code gateway.offset}, {@code gateway.epoch}) and the publisher's
 * stamp (its node and publish time, so latency and cross-node counts stay the publisher's), on
 * the event bus, where every node's hub and any backend consumer of the channel receives it.
 * Every broadcast carries a tag made with the cluster secret ({@link ClusterSeal#broadcastTag}):
 * a node hands its subscribers a position only from a broadcast whose tag verifies, so no one
 * who reaches the event bus can forge or displace a publication of a history channel.
 */
public final class ChannelBroadcast implements Broadcast {

  private final EventBus eventBus;
  private final ClusterSeal seal;

  /** Broadcasts tagged with {@code seal} ({@link ClusterSeal#broadcastTag}), which receivers check. */
  public ChannelBroadcast(EventBus eventBus, ClusterSeal seal) {
    this.eventBus = eventBus;
    this.seal = seal;
  }

  @Override
  public void send(String channel, Publication p, StreamPosition position) {
    DeliveryOptions options = new DeliveryOptions();
    if (p.headers() != null) {
      for (Map.Entry<String, Object> e : new JsonObject(Buffer.buffer(p.headers()))) {
        options.addHeader(e.getKey(), String.valueOf(e.getValue()));
      }
    }
    PublishStamp.stamp(options, p.origin(), p.publishedAtMicros())
        .addHeader(ProtocolCodec.OFFSET_HEADER, position.wireOffset())
        .addHeader(ProtocolCodec.EPOCH_HEADER, position.epoch());
    Object body = Json.decodeValue(Buffer.buffer(p.body()));
    // the tag covers the body as receivers will see it: decoded, then encoded again
    options.addHeader(ClusterSeal.BROADCAST_TAG,
        seal.broadcastTag(channel, options.getHeaders(), Json.encode(body)));
    eventBus.publish(channel, body, options);
  }
}
