package dev.gateway.support;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Micrometer registry that also counts how often each counter was incremented (not only by
 * how much), so a test can tell "once per fan-out" from "once per socket".
 */
public final class CallCountingRegistry extends SimpleMeterRegistry {

  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  @Override
  protected Counter newCounter(Meter.Id id) {
    Counter real = super.newCounter(id);
    AtomicInteger n = calls.computeIfAbsent(key(id.getName(), id.getTag("transport")),
        k -> new AtomicInteger());
    return new Counter() {
      @Override
      public void increment(double amount) {
        n.incrementAndGet();
        real.increment(amount);
      }

      @Override
      public double count() {
        return real.count();
      }

      @Override
      public Meter.Id getId() {
        return real.getId();
      }
    };
  }

  /** Increments so far of the counter with that name and {@code transport} tag. */
  public int increments(String name, String transport) {
    AtomicInteger n = calls.get(key(name, transport));
    return n == null ? 0 : n.get();
  }

  /** Value of the counter with that name and {@code transport} tag (0 if it does not exist). */
  public double count(String name, String transport) {
    Counter c = find(name).tag("transport", transport).counter();
    return c == null ? 0 : c.count();
  }

  private static String key(String name, String transport) {
    return name + '|' + transport;
  }
}
