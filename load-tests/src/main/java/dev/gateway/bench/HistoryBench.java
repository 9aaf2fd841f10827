package dev.gateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The history benchmark (phases {@code history-cpu}, {@code history-saturation}, {@code cluster},
 * {@code recovery}; started by {@link Bench} when those are asked for): history on and off on
 * one node side by side, a local three-node cluster, and recovery after 1,000 clients drop,
 * beside Socket.IO's connectionStateRecovery. Repetitions alternate the servers' order so other
 * load on the machine falls on both. Every process is stopped by PID (a shutdown hook too).
 */
final class HistoryBench {

  /**
   * Vert.x's client logs "Connection evicted" for each WebSocket a server closes during its
   * handshake (hundreds in a reconnect storm on a loaded machine); the phases count them instead.
   * Held here: java.util.logging keeps loggers only weakly.
   */
  private static final java.util.logging.Logger EVICTIONS = java.util.logging.Logger.getLogger(
      "io.vertx.core.http.impl.HttpClientConnectionInternal");

  private HistoryBench() {
  }

  static int run(BenchOptions opts) throws Exception {
    EVICTIONS.setLevel(java.util.logging.Level.SEVERE);
    long t0 = System.nanoTime();
    Path work = Files.createTempDirectory("history-bench");
    HistoryResults r = new HistoryResults();
    List<ServerProcess> started = new ArrayList<>();
    String machine = Machine.describe();
    System.out.println(machine);
    int reps = Math.max(2, opts.latencyReps);
    try (LoadGenerator gen = new LoadGenerator(opts.generatorLoops, opts.sourceAddresses)) {
      Phases phases = new Phases(gen, opts, new Results());
      HistoryPhases hp = new HistoryPhases(gen, opts, phases, r);
      RecoveryPhase recovery = new RecoveryPhase(gen);
      boolean single = opts.phases.contains("history-cpu")
          || opts.phases.contains("history-saturation") || opts.phases.contains("recovery");
      if (single) {
        ServerProcess on = start(started, HistoryServers.single(opts, work, true));
        ServerProcess off = start(started, HistoryServers.single(opts, work, false));
        attempt(r, "warm-up " + on.label, () -> hp.warmJit(on));
        attempt(r, "warm-up " + off.label, () -> hp.warmJit(off));
        if (opts.phases.contains("history-cpu")) {
          for (int rep = 0; rep < reps; rep++) {
            for (int n : new int[] {1, 10}) {
              for (ServerProcess s : order(rep, on, off)) {
                attempt(r, "history-cpu " + s.label + " N=" + n, () -> hp.cpu(s, n));
              }
            }
          }
        }
        if (opts.phases.contains("history-saturation")) {
          for (int rep = 0; rep < reps; rep++) {
            for (ServerProcess s : order(rep, on, off)) {
              attempt(r, "history-saturation " + s.label, () -> hp.saturation(s));
            }
          }
        }
        if (opts.phases.contains("recovery")) {
          ServerProcess sio = start(started, HistoryServers.socketIoRecovery(opts, work));
          for (int rep = 0; rep < reps; rep++) {
            attempt(r, "recovery gateway single node", () -> r.recovery.add(recovery.run(
                "gateway (1 node)", "same node", Target.GATEWAY, on, on, on, opts.recoveryClients)));
            attempt(r, "recovery socketio", () -> r.recovery.add(recovery.run(
                "Socket.IO 4", "same process", Target.SOCKETIO, sio, sio, sio,
                opts.recoveryClients)));
          }
          stop(started, sio);
        }
        stop(started, on);
        stop(started, off);
      }
      if (opts.phases.contains("cluster") || opts.phases.contains("recovery")) {
        List<ServerProcess> nodes = HistoryServers.cluster(opts, work);
        started.addAll(nodes);
        for (ServerProcess n : nodes) {
          Report.progress("started %s pid %d on 127.0.0.1:%d", n.label, n.pid(), n.port);
        }
        for (ServerProcess n : nodes) {
          attempt(r, "warm-up " + n.label, () -> hp.warmJit(n));
        }
        if (opts.phases.contains("cluster")) {
          for (int rep = 0; rep < reps; rep++) {
            attempt(r, "cluster 1 channel", () -> hp.cluster(nodes, 1));
            attempt(r, "cluster 100 channels", () -> hp.cluster(nodes, 100));
          }
        }
        if (opts.phases.contains("recovery")) {
          ServerProcess n1 = nodes.get(0);
          ServerProcess n2 = nodes.get(1);
          ServerProcess n3 = nodes.get(2);
          for (int rep = 0; rep < reps; rep++) {
            attempt(r, "recovery cluster same node", () -> r.recovery.add(recovery.run(
                "gateway (3 nodes)", "same node", Target.GATEWAY, n1, n2, n2,
                opts.recoveryClients)));
            attempt(r, "recovery cluster other node", () -> r.recovery.add(recovery.run(
                "gateway (3 nodes)", "another node", Target.GATEWAY, n1, n2, n3,
                opts.recoveryClients)));
          }
        }
      }
    } finally {
      for (ServerProcess s : started) {
        s.close();
      }
    }
    double minutes = (System.nanoTime() - t0) / 60e9;
    String file = HistoryReport.render(opts, r, machine, reps, minutes);
    Files.createDirectories(opts.out.getParent());
    Files.writeString(opts.out, file);
    System.out.println();
    System.out.println(HistoryReport.targets(r));
    r.problems.forEach(p -> System.out.println("PROBLEM: " + p));
    System.out.printf("results written to %s (%.1f min)%n", opts.out, minutes);
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    return r.problems.isEmpty() ? 0 : 1;
  }

  private interface Measurement {
    void run() throws Exception;
  }

  private static void attempt(HistoryResults r, String what, Measurement m) {
    try {
      m.run();
    } catch (Exception e) {
      String problem = what + ": " + e;
      r.problems.add(problem);
      Report.progress("PROBLEM %s", problem);
    }
  }

  /** Alternates which server goes first from one repetition to the next. */
  private static List<ServerProcess> order(int rep, ServerProcess a, ServerProcess b) {
    return rep % 2 == 0 ? List.of(a, b) : List.of(b, a);
  }

  private static ServerProcess start(List<ServerProcess> started, ServerProcess s) {
    started.add(s);
    Report.progress("started %s pid %d on 127.0.0.1:%d: %s", s.label, s.pid(), s.port,
        String.join(" ", s.command));
    return s;
  }

  private static void stop(List<ServerProcess> started, ServerProcess s) {
    s.close();
    started.remove(s);
  }

  static String heading() {
    return "# History benchmark, " + LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES);
  }
}
