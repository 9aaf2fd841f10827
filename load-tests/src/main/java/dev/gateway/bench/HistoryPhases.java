package dev.gateway.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The history benchmark's fan-out phases, on the fan-out benchmark's machinery ({@link Phases}:
 * the same subscribers, publisher, steps and ramps):
 *
 * <ul>
 *   <li>{@code history-cpu}: server CPU per publication at N=1 and N=10 subscribers, history on
 *       and off, at {@link #CPU_RATE} publications/s;</li>
 *   <li>{@code history-saturation}: the saturation ramp at N=1,000 and p99 at
 *       {@link #LATENCY_DELIVERIES} deliveries/s, history on and off;</li>
 *   <li>{@code cluster}: publications/s to one history channel and across 100 on a three-node
 *       cluster (one publisher connection and 10 subscribers per node), then p99 at half the
 *       highest sustained rate.</li>
 * </ul>
 */
final class HistoryPhases {

  static final String CHANNEL = "bench.history";
  /** Publications/s of the CPU phase (N=1: as many deliveries; N=10: ten times as many). */
  static final double CPU_RATE = 1_000;
  static final double CPU_SECONDS = 10;
  static final double LATENCY_DELIVERIES = 50_000;
  /**
   * Deliveries/s of the N=1,000 ramp: the fan-out benchmark's steps, from 10k so that a loaded
   * machine (where p99 stays under 100 ms only at low rates) still gives a figure.
   */
  static final double[] SATURATION = {10_000, 25_000, 50_000, 75_000, 100_000, 125_000,
      150_000, 175_000, 200_000, 250_000, 300_000, 400_000};
  /** Publications/s of the cluster ramp (total over the three publishers). */
  static final double[] CLUSTER_RATES = {500, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_500,
      10_000, 12_500, 15_000};
  static final int SUBSCRIBERS_PER_NODE = 10;

  private final LoadGenerator gen;
  private final BenchOptions opts;
  private final Phases phases;
  private final HistoryResults results;

  HistoryPhases(LoadGenerator gen, BenchOptions opts, Phases phases, HistoryResults results) {
    this.gen = gen;
    this.opts = opts;
    this.phases = phases;
    this.results = results;
  }

  /**
   * Before the first measurement on a freshly started node: 20 s of fan-out (N=20, 500
   * publications/s) so the JIT has compiled the publish and delivery paths; its compiler threads'
   * CPU would otherwise count against the first figures.
   */
  void warmJit(ServerProcess server) throws Exception {
    Phases.Fanout f = phases.webSocketFanout(server, 20, CHANNEL);
    try {
      phases.warmUp(f, 500, 20);
    } finally {
      f.close();
    }
    Report.progress("warmed up %s (20 s at 500 publications/s to 20 subscribers)", server.label);
  }

  /** Server CPU per publication at N subscribers (3 s of warm-up, then the measured step). */
  void cpu(ServerProcess server, int n) throws Exception {
    Phases.Fanout f = phases.webSocketFanout(server, n, CHANNEL);
    try {
      phases.warmUp(f, CPU_RATE, 3);
      Results.Step s = phases.step(List.of(server), server.label, f, "websocket", CPU_RATE,
          CPU_SECONDS, null, opts.drainMs);
      results.cpu.add(new HistoryResults.Measured(s, Proc.loadAverage()));
      Report.progress("%s; %.2f µs/publication", Report.stepLine("hist-cpu", s),
          HistoryResults.perPublication(s));
    } finally {
      f.close();
    }
  }

  /** N=1,000: the saturation ramp, then p99 at a fixed sustainable rate. */
  void saturation(ServerProcess server) throws Exception {
    Phases.Fanout f = phases.webSocketFanout(server, opts.saturationSubscribers, CHANNEL);
    try {
      phases.warmUp(f, LATENCY_DELIVERIES / f.n());
      String load = Proc.loadAverage();
      Results.Ramp ramp = phases.ramp(List.of(server), server.label, f, "websocket",
          SATURATION);
      results.saturation.add(new HistoryResults.MeasuredRamp(ramp, load));
      Results.Step s = phases.step(List.of(server), server.label, f, "websocket",
          LATENCY_DELIVERIES / f.n(), 10, null, opts.drainMs);
      results.latency.add(new HistoryResults.Measured(s, Proc.loadAverage()));
      Report.progress("%s", Report.stepLine("hist-p99", s));
    } finally {
      f.close();
    }
  }

  /**
   * The cluster ramp on {@code channels} history channels: every subscriber registers to all of
   * them, so each publication is delivered to every subscriber (N=30) whatever its channel.
   */
  void cluster(List<ServerProcess> nodes, int channels) throws Exception {
    List<String> names = new ArrayList<>();
    for (int c = 0; c < channels; c++) {
      names.add(channels == 1 ? CHANNEL : CHANNEL + "." + c);
    }
    Deliveries d = new Deliveries();
    List<Session> subs = new ArrayList<>();
    List<Session> pubs = new ArrayList<>();
    Runnable closer = () -> phases.closeQuietly(subs, pubs);
    Phases.Fanout f;
    try {
      for (ServerProcess node : nodes) {
        LoadGenerator.Opened s = gen.open(Target.GATEWAY, node.port, SUBSCRIBERS_PER_NODE,
            SUBSCRIBERS_PER_NODE, d, 60_000);
        subs.addAll(s.sessions());
        pubs.addAll(gen.open(Target.GATEWAY, node.port, 1, 1, d, 30_000).sessions());
      }
      if (subs.size() < SUBSCRIBERS_PER_NODE * nodes.size() || pubs.size() < nodes.size()) {
        throw new IllegalStateException("cluster: only " + subs.size() + " subscribers and "
            + pubs.size() + " publishers connected");
      }
      for (String channel : names) {
        subs.forEach(s -> s.socket().writeTextMessage(Target.GATEWAY.subscribe(channel)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (subs.stream().anyMatch(s -> s.acks() < channels)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cluster: not every subscriber got " + channels
              + " receipts within 60 s");
        }
        Thread.sleep(50);
      }
      f = new Phases.Fanout(Target.GATEWAY, subs.size(), d,
          new Publisher(Target.GATEWAY, pubs, names), closer);
    } catch (Exception e) {
      closer.run();
      throw e;
    }
    String label = channels == 1 ? "cluster, 1 channel" : "cluster, " + channels + " channels";
    try {
      phases.warmUp(f, CLUSTER_RATES[0], 3);
      double[] deliveries = new double[CLUSTER_RATES.length];
      for (int i = 0; i < deliveries.length; i++) {
        deliveries[i] = CLUSTER_RATES[i] * f.n();
      }
      String load = Proc.loadAverage();
      Results.Ramp ramp = phases.ramp(nodes, label, f, "websocket", deliveries);
      results.cluster.add(new HistoryResults.MeasuredRamp(ramp, load));
      Results.Step best = ramp.best();
      if (best != null) {
        Thread.sleep(2_000);
        Results.Step half = phases.step(nodes, label, f, "websocket", best.publishRate() / 2, 10,
            null, opts.drainMs);
        results.clusterHalf.add(new HistoryResults.Measured(half, Proc.loadAverage()));
        Report.progress("%s", Report.stepLine("half-rate", half));
      }
    } finally {
      f.close();
    }
  }
}
