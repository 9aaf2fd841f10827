package dev.gateway.channel.stream;

import io.vertx.core.Future;

/**
 * The streams of the channels that keep history ({@link HistoryRules}), cluster-wide or on one
 * node. Publishing to such a channel goes through {@link #append} first, then the event bus.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>One sequencer per channel: appends to a channel are applied one at a time, wherever they
 *   come from, so offsets start at 1, grow by exactly 1 per publication and are never reused
 *   within an epoch; publishers on different nodes never share an offset.</li>
 *   <li>A publication is in the stream before {@link #append} completes; its position is what the
 *   broadcast carries. An append that fails was not applied, or (a node lost mid-way in the
 *   cluster) was applied without its publisher learning the offset: publish with an idempotency
 *   key to retry safely.</li>
 *   <li>A repeated idempotency key within the channel's time to live answers the first
 *   publication's position with {@code duplicate=true}; nothing is appended.</li>
 *   <li>The epoch changes whenever the stream may have been lost or may have diverged: a stream
 *   created anew (first publication, after its time to live passed idle, after the loss of the
 *   data that held it, after a restart of a single node) gets a new epoch, and so does a stream
 *   that two halves of a split cluster both wrote to.</li>
 *   <li>Broadcasts of a channel leave from its sequencer, in offset order, so every node receives
 *   them in that order unless the sequencer is lost with broadcasts on the way (receivers then
 *   read the missing offsets from history). Publications a lost sequencer applied but had not
 *   copied to its backup are lost to history; if they were already broadcast, live subscribers
 *   saw offsets the surviving stream gives to later publications, which they then skip as
 *   repeats. This is the window of one batch per channel, at the moment of a crash.</li>
 *   <li>Reads return retained publications in offset order with the stream's position at the
 *   time of reading.</li>
 * </ul>
 * Memory is bounded by caps (channels with history, bytes); at a cap an append that would create
 * a new stream fails with {@link HistoryRefused} while existing streams keep working.
 */
public interface Broker {

  /** Which channels keep history. */
  HistoryRules rules();

  /**
   * Appends to the stream of a channel that keeps history ({@link HistoryRules#ruleFor} non-null)
   * and, unless its idempotency key repeats, broadcasts it with its position ({@link Broadcast}):
   * the broadcast leaves from where the channel is sequenced, in offset order.
   */
  Future<ChannelStream.Appended> append(String channel, Publication publication);

  /** Retained publications after {@code since}, oldest first, at most {@code limit}. */
  Future<ChannelStream.Slice> after(String channel, long since, int limit);

  /** The newest {@code limit} retained publications, oldest first. */
  Future<ChannelStream.Slice> latest(String channel, int limit);

  /** The channel's current position, or null when it has no stream (nothing published yet). */
  Future<StreamPosition> position(String channel);

  /** A new history channel refused at a cap; existing channels are unaffected. */
  final class HistoryRefused extends RuntimeException {
    public HistoryRefused(String message) {
      super(message, null, false, false);
    }
  }
}
