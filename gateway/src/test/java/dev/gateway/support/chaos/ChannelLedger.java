package dev.gateway.support.chaos;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one client received on one history channel, judged as it arrives: the stream position it
 * is at, every publication it accepted (offset, epoch, publication id), and what broke the
 * contract (a duplicate, an offset out of order, a gap, a rec before the register's ack). Register
 * acks move it: a first register starts it at the ack's position, {@code recovered:true} continues
 * it, {@code recovered:false} starts a new segment at the ack's position and records the event
 * (its reason is judged separately, {@link #justify}). A live change of epoch (a split cluster
 * healed) starts a new segment at the first publication of the new epoch and is recorded too.
 *
 * <p>{@link #verify} compares the end state with the channel's history. Thread-safe (the
 * client's thread writes, the test reads at the end).
 */
public final class ChannelLedger {

  /** A publication as received. */
  public record Rec(long offset, String epoch, String id) {
  }

  /**
   * A register answered {@code recovered:false}: the position asked for, the ack's, and why (set
   * by {@link #justify}: {@code epoch_changed}, {@code retention_exceeded}, or a failure text).
   */
  public static final class NotRecovered {
    public final long since;
    public final String sinceEpoch;
    public final long ackOffset;
    public final String ackEpoch;
    public volatile String reason = "unjudged";

    NotRecovered(long since, String sinceEpoch, long ackOffset, String ackEpoch) {
      this.since = since;
      this.sinceEpoch = sinceEpoch;
      this.ackOffset = ackOffset;
      this.ackEpoch = ackEpoch;
    }

    public boolean justified() {
      return reason.equals("epoch_changed") || reason.equals("retention_exceeded");
    }

    @Override
    public String toString() {
      return "recovered:false for since " + since + "@" + sinceEpoch + " (ack " + ackOffset + "@"
          + ackEpoch + "): " + reason;
    }
  }

  public final String channel;
  private final String owner;
  private String epoch;
  private long last;
  private long segmentStart;
  private boolean awaitingAck;
  private boolean recovering;
  private long askedSince;
  private String askedEpoch;
  private final List<Rec> recs = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final List<NotRecovered> notRecovered = new ArrayList<>();
  private final List<String> epochChanges = new ArrayList<>();
  private final List<String> drops = new ArrayList<>();
  private int recoveries;

  public ChannelLedger(String owner, String channel) {
    this.owner = owner;
    this.channel = channel;
  }

  /** The register about to be sent: its headers ({@code gateway.since}/{@code epoch}) or null. */
  public synchronized JsonObject registering() {
    awaitingAck = true;
    recovering = epoch != null;
    if (!recovering) {
      return null;
    }
    askedSince = last;
    askedEpoch = epoch;
    return new JsonObject().put("gateway.since", Long.toString(last)).put("gateway.epoch", epoch);
  }

  /** A register ack for this channel; the event to judge when it was {@code recovered:false}. */
  public synchronized NotRecovered acked(JsonObject ack) {
    boolean recovered = Boolean.TRUE.equals(ack.getBoolean("recovered"));
    long offset = Long.parseLong(ack.getString("offset", "-1"));
    String ackEpoch = ack.getString("epoch", "");
    awaitingAck = false;
    if (!recovering) {
      if (!recovered) {
        violations.add("first register acked recovered:false: " + ack.encode());
      }
      start(offset, ackEpoch);
      return null;
    }
    if (recovered) {
      recoveries++;
      boolean fromStart = askedSince == 0 && askedEpoch.isEmpty();
      if (!fromStart && !ackEpoch.equals(askedEpoch) || offset < askedSince) {
        violations.add("recovered:true for " + askedSince + "@" + askedEpoch + " with position "
            + offset + "@" + ackEpoch);
      }
      return null;
    }
    NotRecovered n = new NotRecovered(askedSince, askedEpoch, offset, ackEpoch);
    notRecovered.add(n);
    start(offset, ackEpoch);
    return n;
  }

  private void start(long offset, String startEpoch) {
    epoch = startEpoch;
    last = offset;
    segmentStart = offset;
  }

  /**
   * A {@code rec} of this channel. Returns false when it shows a gap that {@code dropsExpected}
   * allows (the connection stopped reading and the gateway dropped broadcasts to it, as its
   * slow-consumer policy says): the gap is recorded as a drop, the position stays before it, and
   * the client must recover (register again with its position).
   */
  public synchronized boolean rec(long offset, String recEpoch, String id, boolean dropsExpected) {
    if (epoch == null || awaitingAck && !recovering) {
      return true; // before the first register's ack: published before this client's start
    }
    if (dropsExpected && epoch.equals(recEpoch) && offset > last + 1) {
      drops.add((last + 1) + ".." + (offset - 1) + "@" + recEpoch);
      return false;
    }
    if (awaitingAck) {
      violations.add("rec " + offset + "@" + recEpoch + " before the ack of the recovering register");
    }
    if (epoch.isEmpty() && last == 0) {
      epoch = recEpoch; // the channel's first publication
    } else if (!epoch.equals(recEpoch)) {
      epochChanges.add(last + "@" + epoch + " -> " + offset + "@" + recEpoch);
      epoch = recEpoch;
      last = offset - 1;
      segmentStart = last;
    }
    if (offset <= last) {
      violations.add((ids().contains(id) ? "duplicate " : "out of order ") + offset + "@" + recEpoch
          + " (" + id + ") after " + last);
      recs.add(new Rec(offset, recEpoch, id));
      return true;
    }
    if (offset > last + 1) {
      violations.add("gap: " + (last + 1) + ".." + (offset - 1) + "@" + recEpoch + " missing before "
          + offset);
    }
    recs.add(new Rec(offset, recEpoch, id));
    last = offset;
    return true;
  }

  private List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (Rec r : recs) {
      ids.add(r.id());
    }
    return ids;
  }

  /**
   * Judges a {@code recovered:false} with the channel's history read after it ({@code GET
   * /api/history}): epochs never come back and the oldest retained offset only grows, so a
   * history in the asked-for epoch that still holds the offset after {@code since} proves the
   * position could have been served (the gateway was wrong); a history in another epoch means
   * the epoch changed.
   */
  public static void justify(NotRecovered n, JsonObject history) {
    if (history == null) {
      n.reason = "not judged: no history answer";
      return;
    }
    String epoch = history.getString("epoch", "");
    long tail = Long.parseLong(history.getString("offset", "0"));
    JsonArray messages = history.getJsonArray("messages", new JsonArray());
    long oldest = messages.isEmpty() ? tail + 1
        : Long.parseLong(messages.getJsonObject(0).getString("offset"));
    if (n.since == 0 && n.sinceEpoch.isEmpty()) {
      // "from the start of whatever stream exists, while its first publication is retained"
      n.reason = oldest > 1 ? "retention_exceeded" : "UNJUSTIFIED: the stream's first publication"
          + " is retained (history " + oldest + ".." + tail + "@" + epoch + ")";
    } else if (!epoch.equals(n.sinceEpoch)) {
      n.reason = "epoch_changed";
    } else if (n.since > tail) {
      n.reason = "ahead of the stream: since " + n.since + ", the stream (same epoch) ends at " + tail;
    } else if (oldest > n.since + 1) {
      n.reason = "retention_exceeded";
    } else {
      n.reason = "UNJUSTIFIED: history of the same epoch " + epoch + " held " + oldest + ".." + tail
          + " after the ack, so since " + n.since + " could have been recovered";
    }
  }

  /** The first register was acked: the ledger has a position. */
  public synchronized boolean started() {
    return epoch != null && !(awaitingAck && !recovering);
  }

  /** Caught up with the history's position (same epoch, same offset). */
  public synchronized boolean at(String streamEpoch, long tail) {
    return Objects.equals(epoch, streamEpoch) && last == tail;
  }

  /**
   * Compares with the channel's history at the end: same position, and every retained offset
   * after this client's start in the epoch received once with the publication history holds.
   * Returns the failures (empty when it matches); {@code checked[0]} counts the offsets compared.
   */
  public synchronized List<String> verify(JsonObject history, long[] checked) {
    List<String> failures = new ArrayList<>();
    String streamEpoch = history.getString("epoch", "");
    long tail = Long.parseLong(history.getString("offset", "0"));
    if (!Objects.equals(epoch, streamEpoch) || last != tail) {
      failures.add(owner + " " + channel + ": ends at " + last + "@" + epoch + ", the stream at "
          + tail + "@" + streamEpoch);
    }
    Map<Long, List<Rec>> byOffset = new HashMap<>();
    for (Rec r : recs) {
      if (r.epoch().equals(streamEpoch)) {
        byOffset.computeIfAbsent(r.offset(), k -> new ArrayList<>()).add(r);
      }
    }
    for (Object o : history.getJsonArray("messages", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      long offset = Long.parseLong(m.getString("offset"));
      if (offset <= segmentStart) {
        continue; // before this client joined the epoch
      }
      checked[0]++;
      List<Rec> got = byOffset.getOrDefault(offset, List.of());
      String id = m.getJsonObject("body").getString("id");
      if (got.size() != 1 || !got.get(0).id().equals(id)) {
        failures.add(owner + " " + channel + ": offset " + offset + "@" + streamEpoch + " (" + id
            + ") received " + got);
      }
    }
    return failures;
  }

  public synchronized List<String> violations() {
    return new ArrayList<>(violations);
  }

  public synchronized List<NotRecovered> notRecovered() {
    return new ArrayList<>(notRecovered);
  }

  public synchronized List<String> epochChanges() {
    return new ArrayList<>(epochChanges);
  }

  /** Gaps seen on a connection that had stopped reading (slow-consumer drops), then recovered. */
  public synchronized List<String> drops() {
    return new ArrayList<>(drops);
  }

  public synchronized int recoveries() {
    return recoveries;
  }

  public synchronized int received() {
    return recs.size();
  }
}
