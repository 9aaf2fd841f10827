package dev.gateway.channel.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The meters of history and recovery. No channel names as labels: reasons and outcomes only.
 * Every series exists from the start (at 0), so dashboards and {@code rate()} see the first event.
 */
public final class HistoryMetrics {

  /** Outcomes of a register with a position. */
  public static final String[] OUTCOMES = {"recovered", "not_recovered", "no_history",
      "too_large"};
  /** Why a new history channel was refused. */
  public static final String[] REFUSALS = {"channel_limit", "node_channel_limit", "bytes_limit",
      "queue_full"};

  private final MeterRegistry registry;
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();
  private final Map<String, Counter> recoveries = new ConcurrentHashMap<>();
  private final Counter duplicates;
  private final Counter replayed;
  private final Counter holesFilled;
  private final Counter fillTimeouts;
  private final Counter staleDropped;
  private final Timer append;
  private volatile LongSupplier channels = () -> 0;
  private volatile LongSupplier messages = () -> 0;
  private volatile LongSupplier bytes = () -> 0;
  private volatile LongSupplier pending = () -> 0;

  public HistoryMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("gateway.history.channels", () -> channels.getAsLong())
        .description("History channels whose stream this node holds (owns, on a cluster)")
        .register(registry);
    Gauge.builder("gateway.history.messages", () -> messages.getAsLong())
        .description("Publications retained in the history streams this node holds")
        .register(registry);
    Gauge.builder("gateway.history.bytes", () -> bytes.getAsLong()).baseUnit("bytes")
        .description("Bytes retained in the history streams this node holds").register(registry);
    Gauge.builder("gateway.history.pending", () -> pending.getAsLong())
        .description("Publications waiting on this node for their channel's append to the cluster's"
            + " history (one batch per channel in flight)").register(registry);
    for (String r : REFUSALS) {
      counter(refused, "gateway.history.refused", "Publications to history channels refused, by reason (a new channel at a cap, or too many waiting for one channel)",
          "reason", r);
    }
    for (String o : OUTCOMES) {
      counter(recoveries, "gateway.recoveries", "Registers with a position, by outcome",
          "outcome", o);
    }
    duplicates = Counter.builder("gateway.history.duplicates")
        .description("Publications with an idempotency key already seen: answered, not delivered")
        .register(registry);
    replayed = Counter.builder("gateway.history.replayed")
        .description("Publications replayed from history to recovering clients").register(registry);
    holesFilled = Counter.builder("gateway.history.holes.filled")
        .description("Publications a node fetched from history because their broadcast had not"
            + " arrived in order").register(registry);
    fillTimeouts = Counter.builder("gateway.history.fill.timeouts")
        .description("Holes in a channel's order a node gave up on (the publications were no longer"
            + " in history); the offsets skip").register(registry);
    staleDropped = Counter.builder("gateway.history.stale")
        .description("Broadcasts a node received after it had already delivered their offset"
            + " (arrived twice, or after a hole was filled)").register(registry);
    append = Timer.builder("gateway.history.append")
        .description("Time to sequence and store one publication (the publisher's wait)")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(5))
        .register(registry);
  }

  /** Where the gauges read from (the broker's own counts). */
  void source(LongSupplier channels, LongSupplier messages, LongSupplier bytes) {
    this.channels = channels;
    this.messages = messages;
    this.bytes = bytes;
  }

  void pending(LongSupplier pending) {
    this.pending = pending;
  }

  void refused(String reason) {
    refused.get(reason).increment();
  }

  void duplicate() {
    duplicates.increment();
  }

  void appended(long nanos) {
    append.record(Duration.ofNanos(nanos));
  }

  public void recovery(String outcome) {
    recoveries.get(outcome).increment();
  }

  public void replayed(int n) {
    replayed.increment(n);
  }

  public void holeFilled(int n) {
    holesFilled.increment(n);
  }

  public void fillTimeout() {
    fillTimeouts.increment();
  }

  public void stale() {
    staleDropped.increment();
  }

  private void counter(Map<String, Counter> cache, String name, String description, String tag,
                       String value) {
    cache.computeIfAbsent(value, v -> Counter.builder(name).description(description).tag(tag, v)
        .register(registry));
  }
}
