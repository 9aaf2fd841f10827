package dev.gateway.channel;

import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Internal headers a node puts on the broadcasts it originates (client publish, HTTP API,
 * clock): the publish time, for the publish-to-write latency histogram, and the origin node, so
 * a receiving node can tell cross-node traffic from its own. Clients never see them.
 */
public final class PublishStamp {

  public static final String PUBLISHED_AT = ProtocolCodec.PUBLISHED_AT_HEADER;
  public static final String ORIGIN_NODE = ProtocolCodec.INTERNAL_HEADER_PREFIX + "origin";

  private final String nodeId;

  public PublishStamp(String nodeId) {
    this.nodeId = nodeId;
  }

  public String nodeId() {
    return nodeId;
  }

  /** Adds the publish time (now) and this node's id to the options. */
  public DeliveryOptions stamp(DeliveryOptions options) {
    return stamp(options, nodeId, GatewayMetrics.nowMicros());
  }

  /** Adds a publication's publish time and origin node (broadcast by another node than its own). */
  static DeliveryOptions stamp(DeliveryOptions options, String origin, long publishedAtMicros) {
    return options.addHeader(PUBLISHED_AT, Long.toString(publishedAtMicros))
        .addHeader(ORIGIN_NODE, origin);
  }

  /** Now, as the publish time of a stamp. */
  public long now() {
    return GatewayMetrics.nowMicros();
  }

  /** True when the message was stamped by another node. */
  public boolean isRemote(MultiMap headers) {
    String origin = headers.get(ORIGIN_NODE);
    return origin != null && !origin.equals(nodeId);
  }
}
