package dev.gateway.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/** What the phases measured; rendered by {@link Report}. Thread-confined to the benchmark thread. */
final class Results {

  /** Connection phase: connect rate (cold and warm) and resident memory per idle connection. */
  record Connect(String target, int requested, int opened, int failed, double seconds,
                 int warmOpened, double warmSeconds, long rssBeforeKb, long rssAfterKb,
                 long serverMicros, long warmServerMicros, double otherCores) {

    double perSecond() {
      return opened / seconds;
    }

    double warmPerSecond() {
      return warmOpened / warmSeconds;
    }

    double serverMicrosPerConnection() {
      return opened == 0 ? Double.NaN : serverMicros / (double) opened;
    }

    double warmServerMicrosPerConnection() {
      return warmOpened == 0 ? Double.NaN : warmServerMicros / (double) warmOpened;
    }

    double kbPerConnection() {
      return opened == 0 ? Double.NaN : (rssAfterKb - rssBeforeKb) / (double) opened;
    }
  }

  /** One measured fan-out window at a fixed publish rate. */
  record Step(String target, String transport, int subscribers, double publishRate,
              double seconds, long published, long received, long bytes, long drops,
              Histogram latencyMicros, Proc.Usage usage, long backlogAtEnd,
              long serverQueuedBytes, double publishSeconds) {

    long expected() {
      return published * subscribers;
    }

    long lost() {
      return Math.max(0, expected() - received);
    }

    double offeredPerSecond() {
      return publishRate * subscribers;
    }

    /** Deliveries that arrived while publishing, per second of publishing. */
    double deliveredPerSecond() {
      return (expected() - backlogAtEnd) / seconds;
    }

    double p(double percentile) {
      return latencyMicros.getTotalCount() == 0 ? Double.NaN
          : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    double serverMicrosPerDelivery() {
      return received == 0 ? Double.NaN : usage.serverMicros() / (double) received;
    }

    /** Frame bytes per delivery (see {@link Deliveries#bytes()}). */
    double bytesPerDelivery() {
      return received == 0 ? Double.NaN : bytes / (double) received;
    }

    double generatorMicrosPerDelivery() {
      return received == 0 ? Double.NaN : usage.generatorMicros() / (double) received;
    }

    /**
     * The saturation criterion: nothing lost, p99 under 100 ms, and the publisher kept its pace
     * (sent the step's publications within 10% of its time: a generator that falls behind
     * offers less than the step says).
     */
    boolean sustainable() {
      return lost() == 0 && p(99) < 100 && publishSeconds <= 1.1 * seconds;
    }

    /** Publications per second actually sent. */
    double publishedPerSecond() {
      return publishSeconds <= 0 ? Double.NaN : published / publishSeconds;
    }
  }

  /** A rising-rate run: every step, and the highest sustainable one. */
  record Ramp(String target, String transport, List<Step> steps) {

    /** The highest sustainable step before the ramp stopped (a step that failed twice). */
    Step best() {
      Step best = null;
      for (Step s : steps) {
        if (s.sustainable()) {
          best = s;
        }
      }
      return best;
    }
  }

  /** Overload: the step, plus the server's resident memory over it. */
  record Overload(Step step, long rssStartKb, long rssMaxKb, long rssEndKb) {
  }

  final List<Connect> connects = new ArrayList<>();
  final List<Ramp> ramps = new ArrayList<>();
  final List<Step> latency = new ArrayList<>();
  /** SockJS phases: the fixed-rate step of each repetition (CPU per delivery). */
  final List<Step> sockJsCpu = new ArrayList<>();
  final List<Overload> overloads = new ArrayList<>();
  final List<String> problems = new ArrayList<>();
}
