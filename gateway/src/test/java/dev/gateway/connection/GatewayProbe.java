package dev.gateway.connection;

import dev.gateway.support.TestGateway;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/** Measurements of a {@link TestGateway} for the slow-consumer tests: metric sums, a queue sampler. */
final class GatewayProbe {

  static final String QUEUE_BYTES = "gateway_outbound_queue_bytes";
  static final String CLOSED = "gateway_connections_closed_total";
  static final String SLOW_CONSUMER = "reason=\"slow_consumer\"";
  static final String DROPPED = "gateway_messages_dropped_total";

  private GatewayProbe() {
  }

  /**
   * Sum of every sample of the metric {@code name} whose labels contain all the given
   * fragments (e.g. {@code reason="slow_consumer"}), whatever the label order.
   */
  static double sum(TestGateway gw, String name, String... labelFragments) {
    return sum(gw.scrape(), name, labelFragments);
  }

  static double sum(String scrape, String name, String... labelFragments) {
    double total = 0;
    for (String line : scrape.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String labels = line.substring(name.length(), space);
      boolean all = true;
      for (String f : labelFragments) {
        all &= labels.contains(f);
      }
      if (all) {
        total += Double.parseDouble(line.substring(space + 1));
      }
    }
    return total;
  }

  /** {@code gateway_outbound_queue_bytes}, read from the registry (no scrape: cheap enough to sample often). */
  static double queueBytes(TestGateway gw) {
    return gw.registry.get("gateway.outbound.queue.bytes").gauge().value();
  }

  /** {@code gateway_connections_closed_total{reason="slow_consumer"}} over every transport, from the registry. */
  static double slowConsumerCloses(TestGateway gw) {
    return gw.registry.find("gateway.connections.closed").tag("reason", "slow_consumer").counters()
        .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  /** {@code gateway_connections_closed_total{transport=T}} over every reason, from the registry. */
  static double closes(TestGateway gw, String transport) {
    return gw.registry.find("gateway.connections.closed").tag("transport", transport).counters()
        .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  /** Polls until the value satisfies the bound or the deadline passes; returns the last value. */
  static double awaitAtLeast(DoubleSupplier value, double bound, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    double v = value.getAsDouble();
    while (v < bound && System.nanoTime() < deadline) {
      Thread.sleep(50);
      v = value.getAsDouble();
    }
    return v;
  }

  /** As {@link #awaitAtLeast}, for a value that must fall to the bound. */
  static double awaitAtMost(DoubleSupplier value, double bound, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    double v = value.getAsDouble();
    while (v > bound && System.nanoTime() < deadline) {
      Thread.sleep(50);
      v = value.getAsDouble();
    }
    return v;
  }

  static String mib(double bytes) {
    return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  /**
   * Samples the gateway's meters every 50 ms on its own thread: keeps the peak of
   * {@code gateway_outbound_queue_bytes} and when the slow-consumer closes first reached
   * {@code closesTarget}.
   */
  static final class Sampler implements AutoCloseable {
    private final TestGateway gw;
    private final double closesTarget;
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile double peak;
    private volatile long peakAtMs = -1;
    private volatile long closesReachedAtMs = -1;
    private volatile int samples;

    Sampler(TestGateway gw, double closesTarget) {
      this.gw = gw;
      this.closesTarget = closesTarget;
      this.thread = new Thread(this::run, "gateway-sampler");
      this.thread.setDaemon(true);
      this.thread.start();
    }

    private void run() {
      while (running) {
        double v = queueBytes(gw);
        long now = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (v > peak) {
          peak = v;
          peakAtMs = now;
        }
        if (closesReachedAtMs < 0 && slowConsumerCloses(gw) >= closesTarget) {
          closesReachedAtMs = now;
        }
        samples++;
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    double peak() {
      return peak;
    }

    long peakAtMs() {
      return peakAtMs;
    }

    /** Milliseconds from the sampler's start until the slow-consumer closes reached the target, or -1. */
    long closesReachedAtMs() {
      return closesReachedAtMs;
    }

    int samples() {
      return samples;
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5_000);
    }
  }
}
