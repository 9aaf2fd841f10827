package dev.gateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The presence benchmark (phase {@code presence}; started by {@link Bench} when it alone is
 * asked for): {@link PresencePhase} on a local three-node cluster from the jar, repeated, and
 * the results file {@code load-tests/results/presence-DATE.md} with the targets checked. Every
 * process is stopped by PID (a shutdown hook too).
 */
final class PresenceBench {

  /** Presence on the benchmark's channels; above 2,000 members a channel sends counts only. */
  static final int COUNTS_ONLY_ABOVE = 2_000;
  static final String PRESENCE = ",\n  \"presence\": {\"channels\": [\"bench.*\"], \"countsOnlyAbove\": "
      + COUNTS_ONLY_ABOVE + "}";

  private PresenceBench() {
  }

  static int run(BenchOptions opts) throws Exception {
    long t0 = System.nanoTime();
    Path work = Files.createTempDirectory("presence-bench");
    String machine = Machine.describe();
    System.out.println(machine);
    int reps = Math.max(2, opts.latencyReps);
    List<PresencePhase.Point> points = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<ServerProcess> nodes = List.of();
    try (LoadGenerator gen = new LoadGenerator(opts.generatorLoops, opts.sourceAddresses)) {
      nodes = HistoryServers.cluster(opts, work, false, PRESENCE);
      for (ServerProcess n : nodes) {
        Report.progress("started %s pid %d on 127.0.0.1:%d", n.label, n.pid(), n.port);
      }
      PresencePhase phase = new PresencePhase(gen);
      for (int rep = 1; rep <= reps; rep++) {
        try {
          points.addAll(phase.run(nodes, rep));
        } catch (Exception e) {
          problems.add("presence rep " + rep + ": " + e);
          Report.progress("PROBLEM presence rep %d: %s", rep, e);
        }
      }
    } finally {
      nodes.forEach(ServerProcess::close);
    }
    double minutes = (System.nanoTime() - t0) / 60e9;
    Files.createDirectories(opts.out.getParent());
    Files.writeString(opts.out, render(opts, points, problems, machine, reps, minutes));
    System.out.println();
    System.out.println(targets(points));
    problems.forEach(p -> System.out.println("PROBLEM: " + p));
    System.out.printf("results written to %s (%.1f min)%n", opts.out, minutes);
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    return problems.isEmpty() ? 0 : 1;
  }

  static String render(BenchOptions opts, List<PresencePhase.Point> points, List<String> problems,
                       String machine, int reps, double minutes) {
    StringBuilder b = new StringBuilder("# Presence benchmark, ")
        .append(LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES))
        .append("\n\nWritten by `dev.gateway.bench.PresenceBench` (load-tests/src/main/java/"
            + "dev/gateway/bench).\n\n## Machine\n\n```\n").append(machine)
        .append("\nload average at end: ").append(Proc.loadAverage()).append("\n```\n\n");
    b.append("## Command\n\n```\nmvn -B -q -DskipTests package && java -jar load-tests/target/"
        + "bench.jar ").append(String.join(" ", opts.args)).append("\n```\n\n");
    b.append(Report.f("%d repetitions; run took %.1f minutes. Three gateway nodes from the jar"
        + " (a private copy), clustered on 127.0.0.1, each with this configuration plus a"
        + " `cluster` block (ports, name and secret of its own):%n%n```json%n%s```%n%n", reps,
        minutes, HistoryServers.gatewayConfig(0, false, null, PRESENCE)));
    b.append("## Targets\n\n").append(targets(points)).append('\n');
    b.append(Report.f("## Figures%n%nOne channel (`%s`) filled to each size with anonymous"
            + " members spread round-robin over the three nodes (%d of them join/leave watchers)."
            + " At each size, two windows of %d register/unregister cycles of %d churning"
            + " connections: %.0f joins/s and as many leaves. CPU is utime+stime of the three"
            + " nodes over the first window (churn only, plus 2 s for the last interval's events)"
            + " divided by its joins, each join counted with its leave (its register and"
            + " unregister included); \"less idle\" subtracts what the nodes used in %.0f s with"
            + " nothing to do just before (pings, Hazelcast and presence heartbeats), scaled to the"
            + " window's length. Events sent is"
            + " `gateway_presence_events_sent_total` of the three nodes over the same window per"
            + " join (join and leave events and counts events, one per watcher). Pages: `presence`"
            + " with limit %,d asked on node 1 during the second window, %.0f a second, one at a"
            + " time, walking the list with the cursors (at 1,000 members a walk is a full page"
            + " and a short one: the largest page is shown). Bytes per member: resident memory of"
            + " the three nodes added since the previous size, per member added (a member is its"
            + " connection, its registration, and a copy in the presence of every node). Besides"
            + " the events, each node sends the others one presence message per interval (1 s)"
            + " with all its changes.%n%n", PresencePhase.CHANNEL, PresencePhase.WATCHERS,
        PresencePhase.CYCLES, PresencePhase.CHURNERS, PresencePhase.JOINS_PER_SECOND,
        PresencePhase.IDLE_MS / 1000.0, PresencePhase.PAGE, PresencePhase.PAGES_PER_SECOND));
    b.append("| rep | members | mode | joins | server µs per join (less idle) | events sent per"
        + " join | watcher events received | page p50 / p99 / max ms (pages, largest) | RSS kB per"
        + " member | server cores churning / idle | other load (cores) | load average |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (PresencePhase.Point p : points) {
      b.append(Report.f("| %d | %,d | %s | %,d | %.1f (%.1f) | %.2f | %,d | %.1f / %.1f / %.1f"
              + " (%,d, %,d) | %.1f | %.2f / %.2f | %.2f | %s |%n", p.rep(), p.members(), p.mode(),
          p.joins(), p.cpuPerJoin(), p.netCpuPerJoin(), p.eventsPerJoin(), p.watcherEvents(),
          ms(p, 50), ms(p, 99), p.pages().getMaxValue() / 1000.0, p.pages().getTotalCount(),
          p.pageMembers(), p.rssKbPerMember(), p.churn().serverCores(), p.idle().serverCores(),
          p.churn().otherCores(), p.load()));
    }
    b.append("\nRepetitions after the first reuse the memory the previous one left (the JVMs do"
        + " not give it back), so their bytes per member read low: the first repetition's is"
        + " the figure.\n");
    if (!problems.isEmpty()) {
      b.append("\n## Problems\n\n");
      problems.forEach(p -> b.append("- ").append(p).append('\n'));
    }
    return b.toString();
  }

  /** Every target with both figures and the gap. */
  static String targets(List<PresencePhase.Point> points) {
    StringBuilder b = new StringBuilder();
    List<PresencePhase.Point> small = at(points, 1_000);
    List<PresencePhase.Point> large = at(points, 10_000);
    if (small.isEmpty() || large.isEmpty()) {
      return "- not measured: no figures at 1,000 and 10,000 members\n";
    }
    ratio(b, "server CPU per join, less the nodes' idle CPU", small, large,
        PresencePhase.Point::netCpuPerJoin, "%.1f µs");
    ratio(b, "server CPU per join, all of it", small, large, PresencePhase.Point::cpuPerJoin,
        "%.1f µs");
    ratio(b, "presence events sent per join", small, large, PresencePhase.Point::eventsPerJoin,
        "%.2f");
    double p99 = median(large, p -> ms(p, 99));
    String reps = String.join(", ", large.stream().map(p -> Report.f("%.1f", ms(p, 99))).toList());
    line(b, p99 <= 50, Report.f("page of 1,000 members at 10,000 members on three nodes: p99 %.1f"
        + " ms (median of the repetitions %s ms; target at most 50 ms)", p99, reps),
        Report.f("%.1f ms", p99 - 50));
    for (int size : PresencePhase.SIZES) {
      List<PresencePhase.Point> at = at(points, size);
      if (!at.isEmpty()) {
        b.append(Report.f("- figure: %,d members (%s): %.1f µs per join (%.1f less idle), %.2f"
                + " events per join, page p50 %.1f / p99 %.1f ms, %.1f kB RSS per member (first"
                + " repetition)%n",
            size, at.get(0).mode(), median(at, PresencePhase.Point::cpuPerJoin),
            median(at, PresencePhase.Point::netCpuPerJoin),
            median(at, PresencePhase.Point::eventsPerJoin), median(at, p -> ms(p, 50)),
            median(at, p -> ms(p, 99)), at.get(0).rssKbPerMember()));
      }
    }
    return b.toString();
  }

  private static void ratio(StringBuilder b, String what, List<PresencePhase.Point> small,
                            List<PresencePhase.Point> large,
                            ToDoubleFunction<PresencePhase.Point> f, String format) {
    double a = median(small, f);
    double z = median(large, f);
    double r = z / a;
    line(b, r <= 2, Report.f("%s at 100 joins/s with 10 watchers, 10,000 vs 1,000 members: %s"
            + " (%s) vs %s (%s) = %.2fx (target at most 2x; repetitions %s vs %s)", what,
        Report.f(format, z), large.get(0).mode(), Report.f(format, a), small.get(0).mode(), r,
        list(large, f), list(small, f)), Report.f("%.2fx", r - 2));
  }

  private static void line(StringBuilder b, boolean met, String text, String gap) {
    b.append("- ").append(met ? "met" : "**not met** by " + gap).append(": ").append(text)
        .append('\n');
  }

  private static List<PresencePhase.Point> at(List<PresencePhase.Point> points, int size) {
    return points.stream().filter(p -> p.members() == size).toList();
  }

  private static double median(List<PresencePhase.Point> points,
                               ToDoubleFunction<PresencePhase.Point> f) {
    return Report.medianOf(points.stream().map(f::applyAsDouble).toList());
  }

  private static String list(List<PresencePhase.Point> points,
                             ToDoubleFunction<PresencePhase.Point> f) {
    return String.join(", ", points.stream().map(p -> Report.f("%.2f", f.applyAsDouble(p)))
        .toList());
  }

  private static double ms(PresencePhase.Point p, double percentile) {
    return p.pages().getValueAtPercentile(percentile) / 1000.0;
  }
}
