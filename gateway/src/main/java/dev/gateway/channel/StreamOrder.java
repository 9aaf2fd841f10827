package dev.gateway.channel;

import dev.gateway.channel.stream.ChannelStream;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.protocol.Outbound;
import dev.gateway.protocol.ProtocolCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The order in which one node hands a history channel's publications to its subscribers: offset
 * after offset, each once. A broadcast that arrives ahead of a missing offset (publishers on two
 * nodes, a broadcast lost with its publisher) waits, a bounded time, for the missing ones; then
 * they are read from history ({@link #gap()} says which, {@link #filled} takes them), and what
 * history no longer has is skipped. Broadcasts of an offset already delivered are dropped. A new
 * epoch restarts the order from that stream's first offset the node has not seen.
 *
 * <p>Confined to the hub's context. Until {@link #start} (the stream's position when the node's
 * registration completed) broadcasts wait.
 */
final class StreamOrder {

  /** Broadcasts a channel may hold while waiting for a hole to close; past it the hole is filled now. */
  static final int MAX_WAITING = 1_000;

  private final String address;
  private final Consumer<Outbound> deliver;
  private String epoch;
  private long last;
  private boolean started;
  private final TreeMap<Long, Outbound> waiting = new TreeMap<>();
  private final List<Pending> beforeStart = new ArrayList<>();

  private record Pending(Outbound broadcast, String epoch) {
  }

  StreamOrder(String address, Consumer<Outbound> deliver) {
    this.address = address;
    this.deliver = deliver;
  }

  /** The stream's position when the node began to follow it (null: nothing published yet). */
  void start(StreamPosition position) {
    started = true;
    if (position != null) {
      epoch = position.epoch();
      last = position.offset();
    }
    List<Pending> pending = new ArrayList<>(beforeStart);
    beforeStart.clear();
    for (Pending p : pending) {
      offer(p.broadcast(), p.epoch());
    }
  }

  boolean started() {
    return started;
  }

  /** What this node has delivered: the position subscribers are at (null before anything). */
  StreamPosition delivered() {
    return epoch == null ? null : new StreamPosition(last, epoch);
  }

  /** Whether broadcasts wait for a hole to close. */
  boolean hasGap() {
    return !waiting.isEmpty();
  }

  /** Whether a hole must be filled at once (too many broadcasts wait behind it). */
  boolean overflowing() {
    return waiting.size() >= MAX_WAITING;
  }

  /**
   * A broadcast with a stream position. Returns the number of stale broadcasts dropped (0 or 1).
   */
  int offer(Outbound o, String broadcastEpoch) {
    if (!started) {
      if (beforeStart.size() < MAX_WAITING) {
        beforeStart.add(new Pending(o, broadcastEpoch));
        return 0;
      }
      return 1;
    }
    follow(broadcastEpoch);
    long offset = o.offset();
    if (offset <= last || waiting.containsKey(offset)) {
      return 1;
    }
    if (offset == last + 1) {
      deliver.accept(o);
      last = offset;
      drain();
    } else {
      waiting.put(offset, o);
    }
    return 0;
  }

  /**
   * Follows the stream under {@code streamEpoch} from its start, unless it already does: a new
   * incarnation of the stream (or its first publication). What waited under the old epoch is
   * dropped: those offsets mean nothing now.
   */
  void follow(String streamEpoch) {
    if (epoch == null || !epoch.equals(streamEpoch)) {
      epoch = streamEpoch;
      last = 0;
      waiting.clear();
    }
  }

  /** The offsets missing before the first waiting broadcast: {from, to} inclusive, or null. */
  long[] gap() {
    if (waiting.isEmpty()) {
      return null;
    }
    return new long[] {last + 1, waiting.firstKey() - 1};
  }

  /**
   * Publications read from history for a gap (or for the tail): delivered in order; offsets
   * history no longer has are skipped. Returns how many were delivered from history.
   */
  int filled(ChannelStream.Slice slice, long upTo) {
    if (slice == null || !slice.position().epoch().equals(epoch)) {
      return 0;
    }
    int n = 0;
    for (ChannelStream.Item item : slice.items()) {
      if (item.offset() > last && item.offset() <= upTo) {
        if (item.offset() > last + 1) {
          last = item.offset() - 1; // gone from history: skipped
        }
        deliver.accept(stored(item));
        last = item.offset();
        n++;
        drain();
      }
    }
    if (last < upTo) {
      last = upTo; // not in history any more: skipped
      drain();
    }
    return n;
  }

  private void drain() {
    while (!waiting.isEmpty() && waiting.firstKey() <= last + 1) {
      Map.Entry<Long, Outbound> e = waiting.pollFirstEntry();
      if (e.getKey() == last + 1) {
        deliver.accept(e.getValue());
        last = e.getKey();
      }
    }
  }

  private Outbound stored(ChannelStream.Item item) {
    return new Outbound(ProtocolCodec.recStored(address, item.headers(), item.body(), item.offset(),
        epoch), 0, false, address, item.offset(), epoch);
  }
}
