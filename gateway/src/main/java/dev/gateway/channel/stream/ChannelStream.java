package dev.gateway.channel.stream;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One channel's stream: its epoch, the offset of its newest publication, the publications it
 * retains and the idempotency keys it remembers. Not thread-safe: its owner serialises access
 * (the hub's context on a single node, the partition thread of its entry in the cluster's grid).
 *
 * <p>Stored form (also what moves between nodes of two releases during a rolling upgrade): a
 * format byte, then the fields; a reader refuses a format it does not know rather than guess.
 */
public final class ChannelStream implements DataSerializable {

  /** The stored format this release writes and reads. */
  static final byte FORMAT = 1;
  /** Bytes counted per publication beside its payload (offset, time, lengths). */
  static final int ITEM_OVERHEAD = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A retained publication: its offset, publish time, and client-visible headers and body (JSON). */
  public record Item(long offset, long atMillis, byte[] headers, byte[] body) {
    int size() {
      return ITEM_OVERHEAD + (headers == null ? 0 : headers.length) + body.length;
    }
  }

  /** The outcome of an append: the position, and whether it repeated an idempotency key. */
  public record Appended(StreamPosition position, boolean duplicate) {
  }

  private String epoch;
  private long lastOffset;
  private long lastPublishMillis;
  private ArrayDeque<Item> items = new ArrayDeque<>();
  private long bytes;
  /** Idempotency key to {offset, time}, oldest first. */
  private LinkedHashMap<String, long[]> keys = new LinkedHashMap<>();
  /**
   * Per publishing node, its last batch: {sequence, offset per publication (negative: a repeated
   * idempotency key)}. A node sends one batch per channel at a time, so a retried batch (the
   * grid retries an append whose node was lost mid-way, and it may already be applied) is
   * always its node's last one: answered from here, not applied twice.
   */
  private LinkedHashMap<String, long[]> batches = new LinkedHashMap<>();
  /** Publishing nodes remembered: far more than a cluster has members. */
  static final int MAX_BATCH_ORIGINS = 64;

  /** For deserialisation. */
  public ChannelStream() {
  }

  /** A new stream: a fresh epoch, nothing published yet. */
  public static ChannelStream create() {
    ChannelStream s = withEpoch(newEpoch());
    s.lastPublishMillis = System.currentTimeMillis();
    return s;
  }

  /** A fresh epoch: 16 hexadecimal digits. */
  public static String newEpoch() {
    byte[] id = new byte[8];
    RANDOM.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  /** A new stream with the given epoch (deterministic, for backups that replay an append). */
  public static ChannelStream withEpoch(String epoch) {
    ChannelStream s = new ChannelStream();
    s.epoch = epoch;
    return s;
  }

  /** This stream under another epoch (a stream that may have diverged: see the merge policy). */
  ChannelStream withNewEpoch(String newEpoch) {
    ChannelStream s = new ChannelStream();
    s.epoch = newEpoch;
    s.lastOffset = lastOffset;
    s.lastPublishMillis = lastPublishMillis;
    s.items = new ArrayDeque<>(items);
    s.bytes = bytes;
    s.keys = new LinkedHashMap<>(keys);
    s.batches = new LinkedHashMap<>(batches);
    return s;
  }

  public String epoch() {
    return epoch;
  }

  /** The position of the newest publication (offset 0 before the first). */
  public StreamPosition position() {
    return new StreamPosition(lastOffset, epoch);
  }

  public long bytes() {
    return bytes;
  }

  public int retained() {
    return items.size();
  }

  public long lastPublishMillis() {
    return lastPublishMillis;
  }

  /**
   * Appends a publication at {@code atMillis} under the rule's limits, unless its idempotency key
   * was seen within the rule's time to live: then the original position is returned and nothing
   * is appended.
   */
  public Appended append(byte[] headers, byte[] body, long atMillis, String idempotencyKey,
                         HistoryRules.Rule rule) {
    expire(atMillis, rule);
    if (idempotencyKey != null) {
      long[] seen = keys.get(idempotencyKey);
      if (seen != null) {
        return new Appended(new StreamPosition(seen[0], epoch), true);
      }
    }
    lastOffset++;
    lastPublishMillis = atMillis;
    Item item = new Item(lastOffset, atMillis, headers, body);
    items.addLast(item);
    bytes += item.size();
    while (items.size() > rule.size() || (bytes > rule.maxBytes() && items.size() > 1)) {
      bytes -= items.removeFirst().size();
    }
    if (idempotencyKey != null) {
      keys.put(idempotencyKey, new long[] {lastOffset, atMillis});
      // as many keys as publications retained at most: a flood of keys cannot grow the stream
      while (keys.size() > Math.max(rule.size(), 16)) {
        Iterator<Map.Entry<String, long[]>> it = keys.entrySet().iterator();
        it.next();
        it.remove();
      }
    }
    return new Appended(new StreamPosition(lastOffset, epoch), false);
  }

  /**
   * The signed offsets a node's batch got, if it is the last one this stream applied from that
   * node ({@link #rememberBatch}); null otherwise.
   */
  public long[] appliedBatch(String origin, long sequence) {
    long[] b = batches.get(origin);
    if (b == null || b[0] != sequence) {
      return null;
    }
    long[] offsets = new long[b.length - 1];
    System.arraycopy(b, 1, offsets, 0, offsets.length);
    return offsets;
  }

  /** Remembers a node's batch: its sequence and signed offsets (replacing its previous one). */
  public void rememberBatch(String origin, long sequence, long[] signedOffsets) {
    long[] b = new long[signedOffsets.length + 1];
    b[0] = sequence;
    System.arraycopy(signedOffsets, 0, b, 1, signedOffsets.length);
    batches.remove(origin);
    batches.put(origin, b);
    if (batches.size() > MAX_BATCH_ORIGINS) {
      Iterator<String> it = batches.keySet().iterator();
      it.next();
      it.remove();
    }
  }

  /** Drops publications and idempotency keys older than the rule's time to live. */
  public void expire(long nowMillis, HistoryRules.Rule rule) {
    long oldest = nowMillis - rule.ttlSeconds() * 1000;
    while (!items.isEmpty() && items.peekFirst().atMillis() < oldest) {
      bytes -= items.removeFirst().size();
    }
    Iterator<long[]> it = keys.values().iterator();
    while (it.hasNext() && it.next()[1] < oldest) {
      it.remove();
    }
  }

  /**
   * The retained publications after {@code since}, oldest first, at most {@code limit}, and
   * whether they are all that was published after it (false: some were already dropped, or
   * {@code since} is beyond the newest offset).
   */
  public Slice after(long since, int limit) {
    return after(since, limit, Long.MIN_VALUE);
  }

  /**
   * As {@link #after(long, int)}, leaving out (without removing) publications older than
   * {@code oldestMillis}: a read that must not modify the stream.
   */
  public Slice after(long since, int limit, long oldestMillis) {
    Item first = null;
    for (Item item : items) {
      if (item.atMillis() >= oldestMillis) {
        first = item;
        break;
      }
    }
    boolean whole = since <= lastOffset
        && (since == lastOffset || (first != null && first.offset() <= since + 1));
    List<Item> out = new ArrayList<>();
    for (Item item : items) {
      if (item.offset() > since && item.atMillis() >= oldestMillis) {
        if (out.size() == limit) {
          break;
        }
        out.add(item);
      }
    }
    return new Slice(position(), out, whole);
  }

  /** The newest {@code limit} retained publications, oldest first. */
  public Slice latest(int limit) {
    return latest(limit, Long.MIN_VALUE);
  }

  /** As {@link #latest(int)}, leaving out publications older than {@code oldestMillis}. */
  public Slice latest(int limit, long oldestMillis) {
    List<Item> out = new ArrayList<>();
    for (Item item : items) {
      if (item.atMillis() >= oldestMillis) {
        out.add(item);
      }
    }
    if (out.size() > limit) {
      out = new ArrayList<>(out.subList(out.size() - limit, out.size()));
    }
    return new Slice(position(), out, true);
  }

  /**
   * Publications read from a stream, oldest first, with the stream's position at the time of
   * reading; {@code whole} is false when some publications after the requested offset are gone.
   */
  public record Slice(StreamPosition position, List<Item> items, boolean whole) {
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeByte(FORMAT);
    out.writeString(epoch);
    out.writeLong(lastOffset);
    out.writeLong(lastPublishMillis);
    out.writeInt(items.size());
    for (Item i : items) {
      writeItem(out, i);
    }
    out.writeInt(keys.size());
    for (Map.Entry<String, long[]> e : keys.entrySet()) {
      out.writeString(e.getKey());
      out.writeLong(e.getValue()[0]);
      out.writeLong(e.getValue()[1]);
    }
    out.writeInt(batches.size());
    for (Map.Entry<String, long[]> e : batches.entrySet()) {
      out.writeString(e.getKey());
      out.writeLongArray(e.getValue());
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    byte format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("channel stream stored in format " + format + ", this node reads " + FORMAT);
    }
    epoch = in.readString();
    lastOffset = in.readLong();
    lastPublishMillis = in.readLong();
    int n = in.readInt();
    items = new ArrayDeque<>(n);
    bytes = 0;
    for (int i = 0; i < n; i++) {
      Item item = readItem(in);
      items.addLast(item);
      bytes += item.size();
    }
    int k = in.readInt();
    keys = new LinkedHashMap<>();
    for (int i = 0; i < k; i++) {
      keys.put(in.readString(), new long[] {in.readLong(), in.readLong()});
    }
    int b = in.readInt();
    batches = new LinkedHashMap<>();
    for (int i = 0; i < b; i++) {
      batches.put(in.readString(), in.readLongArray());
    }
  }

  static void writeItem(ObjectDataOutput out, Item i) throws IOException {
    out.writeLong(i.offset());
    out.writeLong(i.atMillis());
    out.writeByteArray(i.headers());
    out.writeByteArray(i.body());
  }

  static Item readItem(ObjectDataInput in) throws IOException {
    return new Item(in.readLong(), in.readLong(), in.readByteArray(), in.readByteArray());
  }
}
