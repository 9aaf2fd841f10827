package dev.gateway.channel;

import dev.gateway.protocol.Outbound;

/**
 * What a {@link FanoutShard} needs of a local subscriber: somewhere to offer a broadcast, and the
 * metric tag its deliveries are counted under. Called on the shard's event loop only.
 */
public interface Subscriber {

  /**
   * Offers one broadcast. Returns false when the subscriber dropped it (its outbound queue is
   * full, or it is closed); the shard counts deliveries and drops once per fan-out.
   */
  boolean deliver(Outbound message);

  /** Metric tag of the subscriber's transport: one constant string per transport. */
  String transportName();
}
