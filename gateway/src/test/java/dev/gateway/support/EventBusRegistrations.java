package dev.gateway.support;

import io.vertx.core.VertxOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the event bus itself saw: every consumer registered and unregistered, by address, as
 * Vert.x reports them through its metrics SPI. Install it with
 * {@code Vertx.builder().withMetrics(registrations)}; it counts what reached the event bus, not
 * what the gateway believes it holds.
 */
public final class EventBusRegistrations implements VertxMetricsFactory, VertxMetrics,
    EventBusMetrics<String> {

  private final Map<String, AtomicInteger> registered = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> unregistered = new ConcurrentHashMap<>();

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    return this;
  }

  @Override
  public EventBusMetrics<String> createEventBusMetrics() {
    return this;
  }

  @Override
  public String handlerRegistered(String address) {
    registered.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    return address;
  }

  @Override
  public void handlerUnregistered(String address) {
    if (address != null) {
      unregistered.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    }
  }

  /** Consumers ever registered on the address. */
  public int registered(String address) {
    AtomicInteger n = registered.get(address);
    return n == null ? 0 : n.get();
  }

  /** Consumers ever unregistered from the address. */
  public int unregistered(String address) {
    AtomicInteger n = unregistered.get(address);
    return n == null ? 0 : n.get();
  }

  /** Consumers on the address now. */
  public int live(String address) {
    return registered(address) - unregistered(address);
  }
}
