package dev.gateway.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The history benchmark's results file: tables of every figure and the targets checked. */
final class HistoryReport {

  private static final String ON = "gateway-history";
  private static final String OFF = "gateway-nohistory";

  private HistoryReport() {
  }

  static String render(BenchOptions opts, HistoryResults r, String machine, int reps,
                       double minutes) {
    StringBuilder b = new StringBuilder(HistoryBench.heading()).append(opts.quick ? " (quick run)"
        : "").append("\n\nWritten by `dev.gateway.bench.HistoryBench` (load-tests/src/main/java/"
        + "dev/gateway/bench).\n\n## Machine\n\n```\n").append(machine)
        .append("\nload average at end: ").append(Proc.loadAverage()).append("\n```\n\n");
    b.append("## Command\n\n```\nmvn -B -q -DskipTests package && java -jar load-tests/target/"
        + "bench.jar ").append(String.join(" ", opts.args)).append("\n```\n\n");
    b.append(Report.f("%d repetitions of every measurement, the servers' order alternating; run"
        + " took %.1f minutes. Gateway configuration (history on; off has `\"channels\": []`;"
        + " cluster nodes add a `cluster` block with their own ports, a cluster name of their"
        + " own and a random secret):%n%n```json%n%s```%n%n", reps, minutes,
        HistoryServers.gatewayConfig(0, true, null)));
    b.append("## Targets\n\n").append(targets(r)).append('\n');
    b.append("## History on and off, one node: CPU per publication\n\n");
    b.append(Report.f("One publisher connection at %,.0f publications/s for %.0f s after 3 s of"
        + " warm-up; server CPU = utime+stime of the gateway process over publishing and"
        + " draining.%n%n", HistoryPhases.CPU_RATE, HistoryPhases.CPU_SECONDS));
    stepTable(b, r.cpu);
    b.append("\n## History on and off, one node: N=1,000\n\n| server | highest sustained"
        + " deliveries/s | p99 there (ms) | first failing step | load average at ramp start |\n"
        + "|---|---|---|---|---|\n");
    for (HistoryResults.MeasuredRamp m : r.saturation) {
      rampRow(b, m);
    }
    b.append(Report.f("%nAt %,.0f deliveries/s (%,.0f publications/s) for 10 s:%n%n",
        HistoryPhases.LATENCY_DELIVERIES, HistoryPhases.LATENCY_DELIVERIES / 1_000));
    stepTable(b, r.latency);
    b.append("\n## Three-node cluster\n\nOne publisher connection and ")
        .append(HistoryPhases.SUBSCRIBERS_PER_NODE).append(" subscribers per node; every"
            + " subscriber registered to every channel (each publication reaches all 30);"
            + " publications round-robin over the publishers and channels. CPU is the sum of the"
            + " three nodes.\n\n| target | highest sustained deliveries/s | p99 there (ms) | first"
            + " failing step | load average at ramp start |\n|---|---|---|---|---|\n");
    for (HistoryResults.MeasuredRamp m : r.cluster) {
      rampRow(b, m);
    }
    b.append("\nEvery step of the cluster ramps:\n\n");
    List<HistoryResults.Measured> steps = new ArrayList<>();
    for (HistoryResults.MeasuredRamp m : r.cluster) {
      m.ramp().steps().forEach(s -> steps.add(new HistoryResults.Measured(s, m.load())));
    }
    stepTable(b, steps);
    b.append("\nAt half the highest sustained rate, 10 s:\n\n");
    stepTable(b, r.clusterHalf);
    b.append("\n## Recovery\n\n").append(Report.f("%,d subscribers of one channel; one publisher"
            + " at %.0f publications/s for %.0f s; %,d ms in, every subscriber closes its"
            + " connection, %,d ms later all reconnect (256 at a time) asking for what they"
            + " missed. Lost: publications between a client's first and the last published that"
            + " it never received. Catch-up: from the start of a client's reconnect until it has"
            + " every publication published before that moment.%n%n", opts.recoveryClients,
        RecoveryPhase.RATE, RecoveryPhase.PUBLISH_SECONDS, RecoveryPhase.DROP_AFTER_MS,
        RecoveryPhase.GAP_MS));
    b.append("| server | reconnect to | clients | reconnected | recovered | published | lost"
        + " (clients losing) | duplicates | reconnect p50 / p99 ms | catch-up p50 / p99 / max ms"
        + " | caught up | all caught up after the drop (ms) | handshakes retried | load average |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (RecoveryPhase.Trial t : r.recovery) {
      b.append(Report.f("| %s | %s | %,d | %,d | %,d | %,d | %,d (%,d) | %,d | %.0f / %.0f |"
              + " %.0f / %.0f / %.0f | %,d | %.0f | %,d | %s |\n", t.server(), t.reconnectTo(),
          t.clients(), t.reconnected(), t.recovered(), t.published(), t.lost(),
          t.clientsLosing(), t.duplicates(), t.reconnectP50(), t.reconnectP99(), t.catchUpP50(),
          t.catchUpP99(), t.catchUpMax(), t.caughtUp(), t.allCaughtUpMs(), t.retries(),
          t.load()));
    }
    if (!r.problems.isEmpty()) {
      b.append("\n## Problems\n\n");
      r.problems.forEach(p -> b.append("- ").append(p).append('\n'));
    }
    return b.toString();
  }

  /** Every target with both figures and the gap. */
  static String targets(HistoryResults r) {
    StringBuilder b = new StringBuilder();
    for (int n : new int[] {1, 10}) {
      List<Results.Step> on = cpuOf(r, ON, n);
      List<Results.Step> off = cpuOf(r, OFF, n);
      if (on.isEmpty() || off.isEmpty()) {
        b.append("- not measured: CPU per publication at N=").append(n).append('\n');
        continue;
      }
      double a = median(on, HistoryResults::perPublication);
      double z = median(off, HistoryResults::perPublication);
      String fig = Report.f("CPU per publication at N=%d, history on vs off: %.1f vs %.1f µs ="
          + " %.2fx (repetitions on %s, off %s)", n, a, z, a / z, list(on), list(off));
      if (n == 10) {
        line(b, a / z <= 1.25, fig + " (target at most 1.25x)", Report.f("%.2fx", a / z - 1.25));
      } else {
        b.append("- figure: ").append(fig).append('\n');
      }
    }
    List<Double> satOn = best(r.saturation, ON);
    List<Double> satOff = best(r.saturation, OFF);
    if (satOn.isEmpty() || satOff.isEmpty()) {
      b.append("- not measured: saturation at N=1,000 on and off\n");
    } else {
      same(b, "saturation at N=1,000 (deliveries/s)", satOn, satOff, "%,.0f");
    }
    List<Double> p99On = r.latency.stream().filter(m -> m.step().target().equals(ON))
        .map(m -> m.step().p(99)).toList();
    List<Double> p99Off = r.latency.stream().filter(m -> m.step().target().equals(OFF))
        .map(m -> m.step().p(99)).toList();
    if (!p99On.isEmpty() && !p99Off.isEmpty()) {
      same(b, Report.f("p99 at N=1,000, %,.0f deliveries/s (ms)",
          HistoryPhases.LATENCY_DELIVERIES), p99On, p99Off, "%.1f");
    }
    List<Double> one = best(r.cluster, "cluster, 1 channel");
    if (one.isEmpty()) {
      b.append("- not measured: cluster publication rate to one channel\n");
    } else {
      double pubs = Report.medianOf(one) / 30;
      line(b, pubs >= 5_000, Report.f("three-node cluster, one history channel: %,.0f"
          + " publications/s sustained (median; repetitions %s publications/s; target at least"
          + " 5,000)", pubs, fmt(one.stream().map(x -> x / 30).toList(), "%,.0f")),
          Report.f("%,.0f publications/s", 5_000 - pubs));
      List<Double> half = r.clusterHalf.stream()
          .filter(m -> m.step().target().equals("cluster, 1 channel"))
          .map(m -> m.step().p(99)).toList();
      if (!half.isEmpty()) {
        double p = Report.medianOf(half);
        List<Double> rates = r.clusterHalf.stream()
            .filter(m -> m.step().target().equals("cluster, 1 channel"))
            .map(m -> m.step().publishRate()).toList();
        line(b, p <= 50 && pubs >= 5_000, Report.f("p99 at half the highest sustained rate"
                + " (%s publications/s): %.1f ms median (repetitions %s ms; target at most 50 ms"
                + " at half of at least 5,000/s)", fmt(rates, "%,.0f"), p, fmt(half, "%.1f")),
            p > 50 ? Report.f("%.1f ms", p - 50) : "the rate (the half rate is below 2,500/s)");
      }
    }
    List<Double> hundred = best(r.cluster, "cluster, 100 channels");
    if (!hundred.isEmpty()) {
      b.append(Report.f("- figure: three-node cluster, 100 history channels: %,.0f publications/s"
          + " sustained (median; repetitions %s)%n", Report.medianOf(hundred) / 30,
          fmt(hundred.stream().map(x -> x / 30).toList(), "%,.0f")));
    }
    return b.toString();
  }

  private static void same(StringBuilder b, String what, List<Double> on, List<Double> off,
                           String format) {
    double a = Report.medianOf(on);
    double z = Report.medianOf(off);
    if (!(a > 0) || !(z > 0)) {
      b.append(Report.f("- not measured: %s, history on vs off: the median repetition of one"
          + " server has no figure (no step sustained; repetitions on %s, off %s)%n", what,
          fmt(on, format), fmt(off, format)));
      return;
    }
    double spread = Math.max(range(on), range(off)) / Math.min(a, z);
    String figures = Report.f("%s: history on %s vs off %s (%+.1f%%); repetitions on %s, off %s;"
        + " repetitions of one server differ by up to %.0f%%", what, Report.f(format, a),
        Report.f(format, z), (a / z - 1) * 100, fmt(on, format), fmt(off, format), spread * 100);
    if (spread > 0.25) {
      b.append("- not determinable: no measurable change, ").append(figures)
          .append(" (the noise is larger than the change the target is about)\n");
      return;
    }
    double change = Math.abs(a / z - 1);
    double allowed = Math.max(0.10, spread);
    line(b, change <= allowed, "no measurable change, " + figures + Report.f(" (allowed: %.0f%%)",
        allowed * 100), Report.f("%.0f%%", (change - allowed) * 100));
  }

  private static void line(StringBuilder b, boolean met, String text, String gap) {
    b.append("- ").append(met ? "met" : "**not met** by " + gap).append(": ").append(text)
        .append('\n');
  }

  private static List<Results.Step> cpuOf(HistoryResults r, String target, int n) {
    return r.cpu.stream().map(HistoryResults.Measured::step)
        .filter(s -> s.target().equals(target) && s.subscribers() == n).toList();
  }

  private static List<Double> best(List<HistoryResults.MeasuredRamp> ramps, String target) {
    return ramps.stream().filter(m -> m.ramp().target().equals(target))
        .map(m -> m.ramp().best() == null ? 0.0 : m.ramp().best().deliveredPerSecond()).toList();
  }

  private static double median(List<Results.Step> steps, ToDoubleFunction<Results.Step> f) {
    return Report.medianOf(steps.stream().map(f::applyAsDouble).toList());
  }

  private static double range(List<Double> v) {
    return v.stream().mapToDouble(x -> x).max().orElse(0) - v.stream().mapToDouble(x -> x)
        .min().orElse(0);
  }

  private static String list(List<Results.Step> steps) {
    return fmt(steps.stream().map(HistoryResults::perPublication).toList(), "%.1f");
  }

  private static String fmt(List<Double> v, String format) {
    return String.join(", ", v.stream().map(x -> Report.f(format, x)).toList());
  }

  private static void rampRow(StringBuilder b, HistoryResults.MeasuredRamp m) {
    Results.Step best = m.ramp().best();
    Results.Step fail = m.ramp().steps().stream().filter(s -> !s.sustainable()).reduce((x, y) -> y)
        .orElse(null);
    b.append(Report.f("| %s | %s | %s | %s | %s |\n", m.ramp().target(),
        best == null ? "none" : Report.f("%,.0f", best.deliveredPerSecond()),
        best == null ? "" : Report.f("%.1f", best.p(99)),
        fail == null ? "none (top of the ramp)" : Report.f("%,.0f offered: p99 %.1f ms, lost %,d,"
            + " published in %.1f of %.0f s", fail.offeredPerSecond(), fail.p(99), fail.lost(),
            fail.publishSeconds(), fail.seconds()), m.load()));
  }

  private static void stepTable(StringBuilder b, List<HistoryResults.Measured> steps) {
    b.append("| server | N | publications/s | published | lost | p50 / p99 / max ms |"
        + " server µs/publication | server µs/delivery | server cores | other load (cores) |"
        + " load average |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (HistoryResults.Measured m : steps) {
      Results.Step s = m.step();
      b.append(Report.f("| %s | %,d | %,.0f | %,d | %,d | %.1f / %.1f / %.1f | %.1f | %.2f |"
              + " %.2f | %.2f | %s |\n", s.target(), s.subscribers(), s.publishedPerSecond(),
          s.published(), s.lost(), s.p(50), s.p(99), s.latencyMicros().getMaxValue() / 1000.0,
          HistoryResults.perPublication(s), s.serverMicrosPerDelivery(), s.usage().serverCores(),
          s.usage().otherCores(), m.load()));
    }
  }
}
