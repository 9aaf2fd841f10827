package dev.gateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The fan-out benchmark: starts the gateway and its peers (a Node {@code ws} server, a Socket.IO
 * server, sockjs-node, vertx-web's bare SockJS handler) on 127.0.0.1, drives each with the same
 * load generator, prints the figures and writes them to a results file. Every server is stopped
 * by PID at the end (a shutdown hook too).
 */
public final class Bench {

  private Bench() {
  }

  /**
   * The gateway jar the servers run, copied where no build writes: a JVM loads classes from its
   * jar as it needs them, so a rebuild of {@code gateway/target/gateway.jar} during a run would
   * leave the servers failing with NoClassDefFoundError (a node that can no longer accept
   * connections looks like a slow one).
   */
  static Path privateCopy(Path jar) throws java.io.IOException {
    if (!Files.isRegularFile(jar)) {
      return jar; // the servers' start reports it
    }
    Path copy = Files.createTempFile("bench-gateway", ".jar");
    Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    copy.toFile().deleteOnExit();
    return copy;
  }

  public static void main(String[] args) throws Exception {
    BenchOptions opts;
    try {
      opts = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    opts.gatewayJar = privateCopy(opts.gatewayJar);
    if (opts.presence()) {
      System.exit(PresenceBench.run(opts));
      return;
    }
    if (opts.history()) {
      System.exit(HistoryBench.run(opts));
      return;
    }
    long t0 = System.nanoTime();
    Path work = Files.createTempDirectory("fanout-bench");
    Results results = new Results();
    Map<Target, ServerProcess> servers = new LinkedHashMap<>();
    String machine = Machine.describe();
    System.out.println(machine);
    try (LoadGenerator gen = new LoadGenerator(opts.generatorLoops, opts.sourceAddresses)) {
      if (opts.targets.stream().anyMatch(Servers::isNodePeer)) {
        Servers.installPeers(opts);
      }
      for (Target t : opts.targets) {
        ServerProcess s = Servers.start(t, opts, work);
        servers.put(t, s);
        Report.progress("started %s pid %d on 127.0.0.1:%d: %s", t.label, s.pid(), s.port,
            String.join(" ", s.command));
      }
      Phases phases = new Phases(gen, opts, results);
      for (String phase : opts.phases) {
        int reps = switch (phase) {
          case "latency" -> opts.latencyReps;
          case "saturation" -> opts.saturationReps;
          case "sockjs", "eventsource" -> opts.sockJsReps;
          default -> 1;
        };
        // repetitions interleaved across targets: other load on the machine spreads over all
        for (int rep = 0; rep < reps; rep++) {
          for (ServerProcess s : servers.values()) {
            if (BenchOptions.isSockJsPhase(phase) ? s.target.sockJs : s.target.webSocket) {
              run(results, phase, s, phases);
            }
          }
        }
      }
    } finally {
      for (ServerProcess s : servers.values()) {
        s.close();
      }
    }
    double minutes = (System.nanoTime() - t0) / 60e9;
    String file = render(opts, results, machine, servers, work, minutes);
    Files.createDirectories(opts.out.getParent());
    Files.writeString(opts.out, file);
    System.out.println();
    System.out.println(Report.summary(results, labels(opts)));
    results.problems.forEach(p -> System.out.println("PROBLEM: " + p));
    System.out.printf("results written to %s (%.1f min)%n", opts.out, minutes);
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    System.exit(results.problems.isEmpty() ? 0 : 1);
  }

  private static void run(Results results, String phase, ServerProcess s, Phases phases) {
    try {
      if (!s.alive()) {
        throw new IllegalStateException(s.target.label + " is not running (see its log)");
      }
      switch (phase) {
        case "connect" -> phases.connect(s);
        case "saturation" -> phases.saturation(s);
        case "latency" -> phases.latency(s);
        case "sockjs" -> phases.sockJs(s, SockJsSession.Kind.XHR_STREAMING);
        case "eventsource" -> phases.sockJs(s, SockJsSession.Kind.EVENTSOURCE);
        case "overload" -> phases.overload(s);
        default -> throw new IllegalArgumentException(phase);
      }
    } catch (Exception e) {
      String problem = phase + " " + s.target.label + ": " + e;
      results.problems.add(problem);
      Report.progress("PROBLEM %s", problem);
    }
  }

  private static List<String> labels(BenchOptions opts) {
    return opts.targets.stream().map(t -> t.label).toList();
  }

  private static String render(BenchOptions opts, Results results, String machine,
                               Map<Target, ServerProcess> servers, Path work, double minutes)
      throws Exception {
    StringBuilder b = new StringBuilder();
    b.append("# Fan-out benchmark, ").append(LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES))
        .append(opts.quick ? " (quick run)" : "").append("\n\n");
    b.append("Written by `dev.gateway.bench.Bench` (load-tests/src/main/java/dev/gateway/bench).\n\n");
    b.append("## Machine\n\n```\n").append(machine).append("\n```\n\n");
    b.append("## Commands\n\n```\n");
    b.append("mvn -B -q -DskipTests package && java -jar load-tests/target/bench.jar ")
        .append(String.join(" ", opts.args)).append("\n");
    for (ServerProcess s : servers.values()) {
      b.append(s.target.label).append(": ");
      if (s.target == Target.GATEWAY) {
        opts.gatewayEnv.forEach((k, v) -> b.append(k).append('=').append(v).append(' '));
      }
      b.append("")
          .append(String.join(" ", s.command).replace(work.toString(), "$TMP")).append('\n');
    }
    b.append("```\n\nGateway configuration (`$TMP/gateway-bench.json`, port chosen free):\n\n```json\n")
        .append(Servers.gatewayConfig(0)).append("```\n\n");
    if (opts.phases.stream().anyMatch(BenchOptions::isSockJsPhase)) {
      b.append(Report.sockJsPayloadNote(results)).append("\n\n");
    }
    b.append(String.format("Run took %.1f minutes.%n%n", minutes));
    b.append("## Summary\n\n").append(Report.summary(results, labels(opts))).append('\n');
    b.append(Targets.check(results, Baseline.find(opts), opts.quick)).append('\n');
    b.append("## Figures\n").append(Report.tables(results)).append('\n');
    if (!results.problems.isEmpty()) {
      b.append("\n## Problems\n\n");
      results.problems.forEach(p -> b.append("- ").append(p).append('\n'));
    }
    b.append(Machine.METHOD);
    return b.toString();
  }
}
