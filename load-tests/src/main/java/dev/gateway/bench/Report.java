package dev.gateway.bench;

import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/** Progress lines while running, and the tables of the results file. */
final class Report {

  private Report() {
  }

  static void progress(String format, Object... args) {
    System.out.println("[" + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] "
        + String.format(Locale.ROOT, format, args));
  }

  static String stepLine(String phase, Results.Step s) {
    return String.format(Locale.ROOT,
        "%-10s %-11s %-13s N=%-5d offered %,9.0f/s delivered %,9.0f/s lost %,d drops %s"
            + " p50 %.1f p99 %.1f p99.9 %.1f ms; server %.2f µs/delivery (%.0f%% sys, %.2f cores),"
            + " generator %.2f µs, %.0f B/delivery, others %.2f cores",
        phase, s.target(), s.transport(), s.subscribers(), s.offeredPerSecond(),
        s.deliveredPerSecond(), s.lost(), s.drops() < 0 ? "n/a" : String.format("%,d", s.drops()),
        s.p(50), s.p(99), s.p(99.9), s.serverMicrosPerDelivery(), s.usage().sysShare() * 100,
        s.usage().serverCores(),
        s.generatorMicrosPerDelivery(), s.bytesPerDelivery(), s.usage().otherCores());
  }

  /** The markdown tables of every phase, gateway first. */
  static String tables(Results r) {
    StringBuilder b = new StringBuilder();
    if (!r.connects.isEmpty()) {
      b.append("\n### Connections: rate and resident memory per idle connection\n\n")
          .append("| target | connections | failed | cold: seconds | cold conn/s | cold server"
              + " µs/conn | warm: seconds | warm conn/s | warm server µs/conn | RSS before kB"
              + " | RSS after kB | kB per idle conn | other load (cores) |\n"
              + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (Results.Connect c : r.connects) {
        b.append(f("| %s | %,d | %d | %.2f | %,.0f | %.0f | %.2f | %,.0f | %.0f | %,d | %,d | %.1f"
                + " | %.2f |\n", c.target(), c.opened(), c.failed(), c.seconds(), c.perSecond(),
            c.serverMicrosPerConnection(), c.warmSeconds(), c.warmPerSecond(),
            c.warmServerMicrosPerConnection(), c.rssBeforeKb(), c.rssAfterKb(),
            c.kbPerConnection(), c.otherCores()));
      }
    }
    if (!r.ramps.isEmpty()) {
      b.append("\n### Saturation: rising publish rate (highest step with p99 < 100 ms and nothing"
          + " lost)\n\n").append(stepHeader());
      for (Results.Ramp ramp : r.ramps) {
        for (Results.Step s : ramp.steps()) {
          b.append(stepRow(s, s.sustainable() ? "ok" : "**fails**"));
        }
      }
      b.append("\n| target | transport | saturation deliveries/s (measured) |\n|---|---|---|\n");
      for (Results.Ramp ramp : r.ramps) {
        Results.Step best = ramp.best();
        b.append(f("| %s | %s | %s |\n", ramp.target(), ramp.transport(), best == null
            ? "none sustainable" : f("%,.0f", best.deliveredPerSecond())));
      }
    }
    if (!r.latency.isEmpty()) {
      b.append("\n### Latency and CPU at a sustainable load (each repetition)\n\n")
          .append(stepHeader());
      for (Results.Step s : r.latency) {
        b.append(stepRow(s, ""));
      }
    }
    if (!r.sockJsCpu.isEmpty()) {
      b.append("\n### SockJS: server CPU per delivery at a fixed rate (each repetition)\n\n")
          .append(stepHeader());
      for (Results.Step s : r.sockJsCpu) {
        b.append(stepRow(s, s.sustainable() ? "" : "**lost or slow**"));
      }
    }
    if (!r.overloads.isEmpty()) {
      b.append("\n### Overload\n\n| target | N | offered/s | delivered/s | behind when publishing"
          + " stopped | lost after drain | drops counted by server | server queue bytes at stop"
          + " | p99 ms | RSS start kB | RSS max kB | RSS end kB | other load |\n"
          + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (Results.Overload o : r.overloads) {
        Results.Step s = o.step();
        b.append(f("| %s | %,d | %,.0f | %,.0f | %,d | %,d | %s | %s | %.1f | %,d | %,d | %,d |"
                + " %.2f |\n", s.target(), s.subscribers(), s.offeredPerSecond(),
            s.deliveredPerSecond(), s.backlogAtEnd(), s.lost(),
            s.drops() < 0 ? "no counter" : f("%,d", s.drops()),
            s.serverQueuedBytes() < 0 ? "n/a" : f("%,d", s.serverQueuedBytes()), s.p(99),
            o.rssStartKb(), o.rssMaxKb(), o.rssEndKb(), s.usage().otherCores()));
      }
    }
    return b.toString();
  }

  /** One line per target with the figures the targets are stated in. */
  static String summary(Results r, List<String> targets) {
    StringBuilder b = new StringBuilder("| figure |");
    StringBuilder sep = new StringBuilder("|---|");
    for (String t : targets) {
      b.append(' ').append(t).append(" |");
      sep.append("---|");
    }
    b.append('\n').append(sep).append('\n');
    row(b, "saturation deliveries/s, N=1,000 (websocket; best of the ramps)", targets, t -> {
      double best = bestSaturation(r, t, "websocket");
      return Double.isNaN(best) ? "" : best == 0 ? "none" : f("%,.0f", best);
    });
    row(b, latencyLabel(r, "p50 / p99 / p99.9 ms, %s (median of reps)"), targets, t -> {
      List<Results.Step> l = latencyOf(r, t);
      return l.isEmpty() ? "" : f("%.1f / %.1f / %.1f", median(l, 50), median(l, 99), median(l, 99.9));
    });
    row(b, latencyLabel(r, "server CPU µs per delivery, %s (median)"), targets, t -> {
      List<Results.Step> l = latencyOf(r, t);
      return l.isEmpty() ? "" : f("%.2f", medianOf(l.stream().map(Results.Step::serverMicrosPerDelivery).toList()));
    });
    row(b, "resident kB per idle connection", targets, t -> {
      Results.Connect c = find(r.connects, x -> x.target().equals(t));
      return c == null ? "" : f("%.1f (at %,d)", c.kbPerConnection(), c.opened());
    });
    row(b, "connections/s, warm (server CPU µs per connection)", targets, t -> {
      Results.Connect c = find(r.connects, x -> x.target().equals(t));
      return c == null ? "" : f("%,.0f (%.0f)", c.warmPerSecond(), c.warmServerMicrosPerConnection());
    });
    row(b, "connections/s, first pass on the fresh server (server CPU µs per connection)", targets, t -> {
      Results.Connect c = find(r.connects, x -> x.target().equals(t));
      return c == null ? "" : f("%,.0f (%.0f)", c.perSecond(), c.serverMicrosPerConnection());
    });
    row(b, "overload: RSS max MB / drops counted", targets, t -> {
      Results.Overload o = find(r.overloads, x -> x.step().target().equals(t));
      return o == null ? "" : f("%,.0f / %s", o.rssMaxKb() / 1024.0,
          o.step().drops() < 0 ? "no counter" : f("%,d", o.step().drops()));
    });
    for (String transport : List.of("xhr-streaming", "eventsource")) {
      if (r.ramps.stream().noneMatch(x -> x.transport().equals(transport))) {
        continue;
      }
      row(b, "SockJS " + transport + ": highest sustained deliveries/s, N=1,000 (median of reps)",
          targets, t -> {
            double m = medianSaturation(r, t, transport);
            return Double.isNaN(m) ? "" : m == 0 ? "none" : f("%,.0f", m);
          });
      List<Results.Step> any = sockJsCpuOf(r, null, transport);
      String rate = any.isEmpty() ? "" : f("%,.0f/s", any.get(0).offeredPerSecond());
      row(b, "SockJS " + transport + ": server CPU µs per delivery at " + rate + " (median)",
          targets, t -> {
            List<Results.Step> l = sockJsCpuOf(r, t, transport);
            return l.isEmpty() ? "" : f("%.2f", medianOf(l.stream()
                .map(Results.Step::serverMicrosPerDelivery).toList()));
          });
      row(b, "SockJS " + transport + ": a[...] frame bytes per delivery", targets, t -> {
        List<Results.Step> l = sockJsCpuOf(r, t, transport);
        return l.isEmpty() ? "" : f("%.1f", medianOf(l.stream()
            .map(Results.Step::bytesPerDelivery).toList()));
      });
    }
    return b.toString();
  }

  /**
   * The highest sustainable delivery rate over a target's ramps (other load on the machine can
   * only lower it); NaN without a ramp, 0 when no step was sustainable.
   */
  static double bestSaturation(Results r, String target, String transport) {
    double best = Double.NaN;
    for (Results.Ramp ramp : r.ramps) {
      if (ramp.target().equals(target) && ramp.transport().equals(transport)) {
        double v = ramp.best() == null ? 0 : ramp.best().deliveredPerSecond();
        best = Double.isNaN(best) ? v : Math.max(best, v);
      }
    }
    return best;
  }

  /**
   * The median over a target's ramps on one transport of each ramp's highest sustainable rate
   * (0 for a ramp with none); NaN without a ramp.
   */
  static double medianSaturation(Results r, String target, String transport) {
    List<Double> v = r.ramps.stream()
        .filter(x -> x.target().equals(target) && x.transport().equals(transport))
        .map(x -> x.best() == null ? 0.0 : x.best().deliveredPerSecond()).toList();
    return medianOf(v);
  }

  /** SockJS fixed-rate steps of a target (null: any) on a transport, in run order. */
  static List<Results.Step> sockJsCpuOf(Results r, String target, String transport) {
    return r.sockJsCpu.stream().filter(s -> (target == null || s.target().equals(target))
        && s.transport().equals(transport)).toList();
  }

  /**
   * What a SockJS delivery carries from each target, measured: the gateway frames its bridge
   * protocol, the peers broadcast raw messages; the peers' publisher sends the very envelope the
   * gateway delivers, so the frames differ only where the servers frame differently.
   */
  static String sockJsPayloadNote(Results r) {
    StringBuilder b = new StringBuilder("SockJS payload: the gateway delivers its bridge protocol"
        + " (`{\"type\":\"rec\",\"address\":\"bench.fanout\",\"body\":BODY}` as a JSON string"
        + " in `a[...]`; the publisher sends `{\"type\":\"publish\",...}` over `xhr_send`);"
        + " sockjs-node and vertx-web broadcast raw SockJS messages, and their publisher sends that"
        + " same `rec` envelope around the same BODY, so every target delivers the same JSON text."
        + " Measured `a[...]` frame bytes per delivery (median of the fixed-rate steps; a frame"
        + " carrying several messages counts once, so batching servers come out a little"
        + " lower):\n");
    List<String> targets = r.sockJsCpu.stream().map(Results.Step::target).distinct().toList();
    for (String transport : List.of("xhr-streaming", "eventsource")) {
      double gateway = bytesPerDelivery(r, "gateway", transport);
      List<String> parts = new ArrayList<>();
      for (String t : targets) {
        double v = bytesPerDelivery(r, t, transport);
        if (!Double.isNaN(v)) {
          parts.add(t + " " + f("%.1f", v) + (t.equals("gateway") || Double.isNaN(gateway) ? ""
              : f(" (%+.1f against the gateway)", v - gateway)));
        }
      }
      if (!parts.isEmpty()) {
        b.append("\n- ").append(transport).append(": ").append(String.join(", ", parts));
      }
    }
    return b.toString();
  }

  private static double bytesPerDelivery(Results r, String target, String transport) {
    return medianOf(sockJsCpuOf(r, target, transport).stream()
        .map(Results.Step::bytesPerDelivery).toList());
  }

  /** A latency row's name with the N and rate the latency phase ran at (its defaults without it). */
  private static String latencyLabel(Results r, String format) {
    String condition = latencyCondition(r);
    return f(format, condition.isEmpty() ? "N=5,000 at 50k/s" : condition);
  }

  /** {@code N=5,000 at 50k/s}: the latency phase's subscribers and rate; empty without it. */
  static String latencyCondition(Results r) {
    if (r.latency.isEmpty()) {
      return "";
    }
    Results.Step s = r.latency.get(0);
    return f("N=%,d at %.0fk/s", s.subscribers(), s.offeredPerSecond() / 1000);
  }

  static List<Results.Step> latencyOf(Results r, String target) {
    return r.latency.stream().filter(s -> s.target().equals(target)).toList();
  }

  static double median(List<Results.Step> steps, double percentile) {
    return medianOf(steps.stream().map(s -> s.p(percentile)).toList());
  }

  static double medianOf(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(Comparator.naturalOrder());
    return v.isEmpty() ? Double.NaN : v.get(v.size() / 2);
  }

  private static String stepHeader() {
    return "| target | transport | N | offered/s | delivered/s | published | lost | drops | p50 ms"
        + " | p99 ms | p99.9 ms | max ms | server µs/delivery | server cores | generator µs/delivery"
        + " | frame bytes/delivery | other load (cores) | |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  }

  private static String stepRow(Results.Step s, String verdict) {
    return f("| %s | %s | %,d | %,.0f | %,.0f | %,d | %,d | %s | %.1f | %.1f | %.1f | %.1f | %.2f |"
            + " %.2f | %.2f | %.1f | %.2f | %s |\n", s.target(), s.transport(), s.subscribers(),
        s.offeredPerSecond(), s.deliveredPerSecond(), s.published(), s.lost(),
        s.drops() < 0 ? "n/a" : f("%,d", s.drops()), s.p(50), s.p(99), s.p(99.9),
        s.latencyMicros().getMaxValue() / 1000.0, s.serverMicrosPerDelivery(),
        s.usage().serverCores(), s.generatorMicrosPerDelivery(), s.bytesPerDelivery(),
        s.usage().otherCores(), verdict);
  }

  /** A summary row, left out when no target has a figure for it (its phase did not run). */
  private static void row(StringBuilder b, String name, List<String> targets,
                          java.util.function.Function<String, String> cell) {
    List<String> cells = targets.stream().map(cell).toList();
    if (cells.stream().allMatch(String::isEmpty)) {
      return;
    }
    b.append("| ").append(name).append(" |");
    for (String c : cells) {
      b.append(' ').append(c).append(" |");
    }
    b.append('\n');
  }

  private static <T> T find(List<T> list, Predicate<T> p) {
    return list.stream().filter(p).findFirst().orElse(null);
  }

  static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
