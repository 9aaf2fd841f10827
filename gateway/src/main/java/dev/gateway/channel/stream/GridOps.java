package dev.gateway.channel.stream;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What {@link GridBroker} runs on the node that owns a channel's entry in the cluster's grid: the
 * append (the channel's one sequencer: entry processors on one key run one at a time on its
 * partition thread, and the same append is replayed on the backup copy, so it is deterministic:
 * the publish time and the epoch of a new stream come with it), the reads, and the merge policy
 * that gives a stream both halves of a split cluster wrote to a new epoch. Every type here has an
 * explicit stored form: nodes of two releases exchange them during a rolling upgrade.
 */
final class GridOps {

  private GridOps() {
  }

  /**
   * Appends a batch of one node's publications, in order, and broadcasts them from here, the
   * channel's sequencer (one node sends one batch per channel at a time, so its publications take
   * offsets in the order they were published, and every node receives a channel's broadcasts in
   * offset order from this one place). Creates the stream (with the given epoch) only if the
   * publisher allows it (the cluster's cap) and the owner holds fewer than {@code maxOwned}
   * streams (this node's cap, checked where the stream would live). The backup copy replays the
   * batch without the check and without broadcasting. A batch this stream already applied (a
   * retry after the loss of a node mid-way) answers its first result and is broadcast again:
   * receivers drop offsets they already delivered.
   */
  static final class Append implements EntryProcessor<String, ChannelStream, AppendResult>,
      DataSerializable, com.hazelcast.core.HazelcastInstanceAware {
    HistoryRules.Rule rule;
    String origin;
    long sequence;
    List<Publication> entries;
    long atMillis;
    String newEpoch;
    boolean mayCreate;
    int maxOwned;
    boolean broadcast;
    private transient com.hazelcast.core.HazelcastInstance hazelcast;

    Append() {
    }

    Append(HistoryRules.Rule rule, String origin, long sequence, List<Publication> entries,
           long atMillis, String newEpoch, boolean mayCreate, int maxOwned, boolean broadcast) {
      this.rule = rule;
      this.origin = origin;
      this.sequence = sequence;
      this.entries = entries;
      this.atMillis = atMillis;
      this.newEpoch = newEpoch;
      this.mayCreate = mayCreate;
      this.maxOwned = maxOwned;
      this.broadcast = broadcast;
    }

    @Override
    public void setHazelcastInstance(com.hazelcast.core.HazelcastInstance instance) {
      this.hazelcast = instance;
    }

    @Override
    public EntryProcessor<String, ChannelStream, AppendResult> getBackupProcessor() {
      return new Append(rule, origin, sequence, entries, atMillis, newEpoch, true,
          Integer.MAX_VALUE, false);
    }

    @Override
    public AppendResult process(Map.Entry<String, ChannelStream> entry) {
      ChannelStream stream = entry.getValue();
      if (stream == null) {
        if (!mayCreate || (maxOwned != Integer.MAX_VALUE && hazelcast != null
            && hazelcast.getMap(GridBroker.MAP).getLocalMapStats().getOwnedEntryCount() >= maxOwned)) {
          return AppendResult.REFUSED;
        }
        stream = ChannelStream.withEpoch(newEpoch);
      }
      long[] offsets = stream.appliedBatch(origin, sequence);
      if (offsets == null) {
        offsets = new long[entries.size()];
        for (int i = 0; i < offsets.length; i++) {
          Publication p = entries.get(i);
          ChannelStream.Appended a = stream.append(p.headers(), p.body(), atMillis,
              p.idempotencyKey(), rule);
          offsets[i] = a.duplicate() ? -a.position().offset() : a.position().offset();
        }
        stream.rememberBatch(origin, sequence, offsets);
        // the whole stream is forgotten once its time to live passes without a publication
        ((ExtendedMapEntry<String, ChannelStream>) entry).setValue(stream, rule.ttlSeconds(),
            TimeUnit.SECONDS);
      }
      AppendResult result = new AppendResult(stream.epoch(), offsets);
      if (broadcast && hazelcast != null) {
        GridBroker here = GridBroker.on(hazelcast);
        if (here != null) {
          here.broadcast(entry.getKey(), entries, result);
        } // else a node still starting: receivers read these offsets from history
      }
      return result;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeByte(ChannelStream.FORMAT);
      out.writeString(rule.pattern());
      out.writeInt(rule.size());
      out.writeLong(rule.maxBytes());
      out.writeLong(rule.ttlSeconds());
      out.writeString(origin);
      out.writeLong(sequence);
      out.writeInt(entries.size());
      for (Publication p : entries) {
        out.writeByteArray(p.headers());
        out.writeByteArray(p.body());
        out.writeString(p.idempotencyKey());
        out.writeLong(p.publishedAtMicros());
      }
      out.writeLong(atMillis);
      out.writeString(newEpoch);
      out.writeBoolean(mayCreate);
      out.writeInt(maxOwned);
      out.writeBoolean(broadcast);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      checkFormat(in.readByte());
      rule = new HistoryRules.Rule(in.readString(), in.readInt(), in.readLong(), in.readLong());
      origin = in.readString();
      sequence = in.readLong();
      int n = in.readInt();
      entries = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        entries.add(new Publication(in.readByteArray(), in.readByteArray(), in.readString(),
            origin, in.readLong()));
      }
      atMillis = in.readLong();
      newEpoch = in.readString();
      mayCreate = in.readBoolean();
      maxOwned = in.readInt();
      broadcast = in.readBoolean();
    }
  }

  /**
   * The result of an append batch: the stream's epoch and each publication's offset (negative:
   * its idempotency key repeated, the offset is the first publication's), or refused.
   */
  static final class AppendResult implements DataSerializable {
    static final AppendResult REFUSED = new AppendResult(null, new long[0]);
    String epoch;
    long[] offsets;

    AppendResult() {
    }

    AppendResult(String epoch, long[] offsets) {
      this.epoch = epoch;
      this.offsets = offsets;
    }

    boolean refused() {
      return epoch == null;
    }

    ChannelStream.Appended appended(int i) {
      return new ChannelStream.Appended(new StreamPosition(Math.abs(offsets[i]), epoch),
          offsets[i] < 0);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeByte(ChannelStream.FORMAT);
      out.writeString(epoch);
      out.writeLongArray(offsets);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      checkFormat(in.readByte());
      epoch = in.readString();
      offsets = in.readLongArray();
    }
  }

  /** Reads publications after an offset, or the newest ones, without modifying the stream. */
  static final class Read implements EntryProcessor<String, ChannelStream, SliceResult>,
      ReadOnly, DataSerializable {
    long since;
    int limit;
    boolean latest;
    long oldestMillis;

    Read() {
    }

    Read(long since, int limit, boolean latest, long oldestMillis) {
      this.since = since;
      this.limit = limit;
      this.latest = latest;
      this.oldestMillis = oldestMillis;
    }

    @Override
    public SliceResult process(Map.Entry<String, ChannelStream> entry) {
      ChannelStream stream = entry.getValue();
      if (stream == null) {
        return null;
      }
      return new SliceResult(latest ? stream.latest(limit, oldestMillis)
          : stream.after(since, limit, oldestMillis));
    }

    @Override
    public EntryProcessor<String, ChannelStream, SliceResult> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeByte(ChannelStream.FORMAT);
      out.writeLong(since);
      out.writeInt(limit);
      out.writeBoolean(latest);
      out.writeLong(oldestMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      checkFormat(in.readByte());
      since = in.readLong();
      limit = in.readInt();
      latest = in.readBoolean();
      oldestMillis = in.readLong();
    }
  }

  /** A slice as it travels back from the owner. */
  static final class SliceResult implements DataSerializable {
    ChannelStream.Slice slice;

    SliceResult() {
    }

    SliceResult(ChannelStream.Slice slice) {
      this.slice = slice;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeByte(ChannelStream.FORMAT);
      out.writeLong(slice.position().offset());
      out.writeString(slice.position().epoch());
      out.writeBoolean(slice.whole());
      out.writeInt(slice.items().size());
      for (ChannelStream.Item i : slice.items()) {
        ChannelStream.writeItem(out, i);
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      checkFormat(in.readByte());
      StreamPosition position = new StreamPosition(in.readLong(), in.readString());
      boolean whole = in.readBoolean();
      int n = in.readInt();
      List<ChannelStream.Item> items = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        items.add(ChannelStream.readItem(in));
      }
      slice = new ChannelStream.Slice(position, items, whole);
    }
  }

  /** Retained publications and bytes of the streams this node owns (for the gauges). */
  static final class Stats implements EntryProcessor<String, ChannelStream, long[]>, ReadOnly,
      DataSerializable {
    @Override
    public long[] process(Map.Entry<String, ChannelStream> entry) {
      ChannelStream s = entry.getValue();
      return s == null ? new long[2] : new long[] {s.retained(), s.bytes()};
    }

    @Override
    public EntryProcessor<String, ChannelStream, long[]> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
      // no state
    }

    @Override
    public void readData(ObjectDataInput in) {
      // no state
    }
  }

  /**
   * After a split cluster heals: a stream both halves hold may have diverged (each half
   * sequenced its own publications), so the merged one, the longer of the two, gets a new
   * epoch and clients positioned in either half learn that their position means nothing now.
   * A stream only one half holds is kept as it is.
   */
  public static final class NewEpochOnMerge
      implements SplitBrainMergePolicy<ChannelStream, MergingValue<ChannelStream>, Object> {

    @Override
    public Object merge(MergingValue<ChannelStream> merging, MergingValue<ChannelStream> existing) {
      if (existing == null) {
        return merging.getRawValue();
      }
      ChannelStream a = merging.getValue();
      ChannelStream b = existing.getValue();
      ChannelStream kept = a.position().offset() >= b.position().offset() ? a : b;
      return kept.withNewEpoch(ChannelStream.newEpoch());
    }

    @Override
    public void writeData(ObjectDataOutput out) {
      // no state
    }

    @Override
    public void readData(ObjectDataInput in) {
      // no state
    }
  }

  private static void checkFormat(byte format) throws IOException {
    if (format != ChannelStream.FORMAT) {
      throw new IOException("history operation in format " + format + ", this node reads "
          + ChannelStream.FORMAT);
    }
  }
}
