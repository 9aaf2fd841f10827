package dev.gateway.channel.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One channel's stream: offsets, limits, time to live, idempotency, reads and its stored form. */
class ChannelStreamTest {

  static final HistoryRules.Rule RULE = new HistoryRules.Rule("chat.*", 5, 10_000, 60);

  static byte[] body(int n) {
    return ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void offsetsStartAtOneAndGrowByOneWithinAnEpoch() {
    ChannelStream s = ChannelStream.create();
    assertEquals(0, s.position().offset());
    for (int i = 1; i <= 12; i++) {
      ChannelStream.Appended a = s.append(null, body(i), 1_000 + i, null, RULE);
      assertEquals(i, a.position().offset());
      assertEquals(s.epoch(), a.position().epoch());
      assertFalse(a.duplicate());
    }
    assertEquals(5, s.retained(), "size limit");
    assertNotEquals(s.epoch(), ChannelStream.create().epoch(), "every new stream has its own epoch");
  }

  @Test
  void byteLimitKeepsAtLeastTheNewestPublication() {
    HistoryRules.Rule small = new HistoryRules.Rule("x", 100, 100, 60);
    ChannelStream s = ChannelStream.create();
    s.append(null, new byte[60], 1, null, small);
    s.append(null, new byte[60], 2, null, small);
    assertEquals(1, s.retained());
    assertTrue(s.bytes() > 0);
    s.append(null, new byte[500], 3, null, small);
    assertEquals(1, s.retained(), "one publication over the limit is still kept");
    assertEquals(3, s.after(0, 10).items().get(0).offset());
  }

  @Test
  void readsAfterAnOffsetSayWhetherTheyAreWhole() {
    ChannelStream s = ChannelStream.create();
    for (int i = 1; i <= 8; i++) {
      s.append(null, body(i), i, null, RULE);
    }
    // retained: 4..8
    ChannelStream.Slice whole = s.after(3, 100);
    assertTrue(whole.whole());
    assertEquals(List.of(4L, 5L, 6L, 7L, 8L), whole.items().stream().map(ChannelStream.Item::offset).toList());
    assertFalse(s.after(2, 100).whole(), "offset 3 is gone");
    assertTrue(s.after(8, 100).whole(), "nothing after the newest: whole and empty");
    assertTrue(s.after(8, 100).items().isEmpty());
    assertFalse(s.after(9, 100).whole(), "beyond the newest offset");
    assertEquals(List.of(4L, 5L), s.after(3, 2).items().stream().map(ChannelStream.Item::offset).toList());
    assertEquals(List.of(7L, 8L), s.latest(2).items().stream().map(ChannelStream.Item::offset).toList());
  }

  @Test
  void timeToLiveDropsOldPublicationsAndKeys() {
    ChannelStream s = ChannelStream.create();
    s.append(null, body(1), 0, "k1", RULE);
    s.append(null, body(2), 30_000, null, RULE);
    s.expire(61_000, RULE);
    assertEquals(1, s.retained());
    assertFalse(s.after(0, 10).whole(), "offset 1 expired");
    // the key of the expired publication is forgotten: the same key publishes anew
    ChannelStream.Appended again = s.append(null, body(3), 61_000, "k1", RULE);
    assertFalse(again.duplicate());
    assertEquals(3, again.position().offset());
    // a read that must not modify the stream leaves expired ones out without removing them
    assertEquals(List.of(3L), s.after(0, 10, 61_000 - 60_000 + 31_000).items().stream()
        .map(ChannelStream.Item::offset).toList());
  }

  @Test
  void aRepeatedIdempotencyKeyAnswersTheFirstPosition() {
    ChannelStream s = ChannelStream.create();
    ChannelStream.Appended first = s.append(null, body(1), 1, "key", RULE);
    s.append(null, body(2), 2, null, RULE);
    ChannelStream.Appended repeat = s.append(null, body(99), 3, "key", RULE);
    assertTrue(repeat.duplicate());
    assertEquals(first.position(), repeat.position());
    assertEquals(2, s.position().offset(), "nothing appended");
  }

  @Test
  void idempotencyKeysAreBoundedByTheRetainedSize() {
    ChannelStream s = ChannelStream.create();
    for (int i = 0; i < 1_000; i++) {
      s.append(null, body(i), i, "k" + i, RULE);
    }
    // the oldest keys are forgotten (at most max(size, 16) kept): a flood cannot grow the stream
    assertFalse(s.append(null, body(0), 2_000, "k0", RULE).duplicate());
    assertTrue(s.append(null, body(0), 2_001, "k999", RULE).duplicate());
  }

  @Test
  void theStoredFormRoundTripsAndRefusesAnUnknownFormat() {
    InternalSerializationService ss = new DefaultSerializationServiceBuilder().build();
    ChannelStream s = ChannelStream.create();
    s.append("{\"lang\":\"en\"}".getBytes(StandardCharsets.UTF_8), body(1), 5, "k", RULE);
    s.append(null, body(2), 6, null, RULE);
    ChannelStream back = ss.toObject(ss.toData(s));
    assertEquals(s.position(), back.position());
    assertEquals(2, back.retained());
    assertEquals("{\"lang\":\"en\"}", new String(back.after(0, 10).items().get(0).headers(), StandardCharsets.UTF_8));
    assertTrue(back.append(null, body(3), 7, "k", RULE).duplicate(), "keys survive");
    s.rememberBatch("node-1", 7, new long[] {2, -1});
    assertArrayEquals(new long[] {2, -1}, ((ChannelStream) ss.toObject(ss.toData(s)))
        .appliedBatch("node-1", 7), "the last batch of each node survives");
    // a stream stored by a release with another format is refused, not guessed at
    com.hazelcast.internal.nio.BufferObjectDataOutput out = ss.createObjectDataOutput();
    try {
      out.writeByte(99);
      out.writeString("epoch");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    ChannelStream future = new ChannelStream();
    java.io.IOException refused = assertThrows(java.io.IOException.class,
        () -> future.readData(ss.createObjectDataInput(out.toByteArray())));
    assertTrue(refused.getMessage().contains("format 99"), refused.getMessage());
  }

  @Test
  void onlyEachNodesLastBatchIsRememberedForABoundedNumberOfNodes() {
    ChannelStream s = ChannelStream.create();
    s.rememberBatch("a", 1, new long[] {1, 2});
    assertArrayEquals(new long[] {1, 2}, s.appliedBatch("a", 1));
    assertNull(s.appliedBatch("a", 2), "another batch of the node");
    assertNull(s.appliedBatch("b", 1), "another node's batch");
    s.rememberBatch("a", 2, new long[] {3});
    assertNull(s.appliedBatch("a", 1), "a node's earlier batch is forgotten: it sends one at a time");
    assertArrayEquals(new long[] {3}, s.appliedBatch("a", 2));
    for (int i = 0; i < ChannelStream.MAX_BATCH_ORIGINS; i++) {
      s.rememberBatch("node-" + i, 1, new long[] {10 + i});
    }
    assertNull(s.appliedBatch("a", 2), "the node remembered longest ago is forgotten first");
    assertArrayEquals(new long[] {10}, s.appliedBatch("node-0", 1));
    s.rememberBatch("node-0", 2, new long[] {99}); // node-0 becomes the newest
    s.rememberBatch("late", 1, new long[] {100});
    assertArrayEquals(new long[] {99}, s.appliedBatch("node-0", 2));
    assertNull(s.appliedBatch("node-1", 1));
  }
}
