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

  /** Adds the publish time and this node's id to the options. */
  public DeliveryOptions stamp(DeliveryOptions options) {
    return options.addHeader(PUBLISHED_AT, Long.toString(GatewayMetrics.nowMicros()))
        .addHeader(ORIGIN_NODE, nodeId);
  }

  /** True when the message was stamped by another node. */
  public boolean isRemote(MultiMap headers) {
    String origin = headers.get(ORIGIN_NODE);
    return origin != null && !origin.equals(nodeId);
  }
}
