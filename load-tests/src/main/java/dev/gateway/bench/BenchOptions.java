package dev.gateway.bench;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Command-line options. {@code --quick} shrinks every phase to a smoke run; the full run takes
 * about 35 minutes on the 2-core machine (see load-tests/BENCHMARK.md).
 */
final class BenchOptions {

  /**
   * JVM flags the gateway runs with unless {@code --gateway-jvm} says otherwise: the flags
   * recommended for a production node of this size (see load-tests/BENCHMARK.md). Serial GC is
   * what the JVM itself picks for containers under 2 CPUs; the small young generation keeps the
   * resident memory close to the live heap.
   */
  static final String DEFAULT_GATEWAY_JVM = "-XX:+UseSerialGC -Xmn16m";

  static final List<String> ALL_PHASES = List.of("connect", "saturation", "latency", "sockjs",
      "eventsource", "overload");
  /**
   * The history benchmark's phases ({@link HistoryBench}): asked for by name only, never part of
   * the default run, and not mixed with the fan-out phases.
   */
  static final List<String> HISTORY_PHASES = List.of("history-cpu", "history-saturation",
      "cluster", "recovery");
  /** The presence benchmark's phase ({@link PresenceBench}): by name only, on its own. */
  static final List<String> PRESENCE_PHASES = List.of("presence");

  List<Target> targets = new ArrayList<>(List.of(Target.values()));
  List<String> phases = new ArrayList<>(ALL_PHASES);
  boolean quick;
  int connections = 15_000;
  int sourceAddresses = 8;
  int generatorLoops = 2;
  int publishers = 1;
  long settleMs = 5_000;
  int saturationSubscribers = 1_000;
  double[] saturationRates = {25_000, 50_000, 62_500, 75_000, 87_500, 100_000, 112_500, 125_000,
      150_000, 175_000, 200_000, 250_000, 300_000, 400_000};
  double[] sockJsRates = {10_000, 20_000, 30_000, 40_000, 50_000, 62_500, 75_000, 87_500, 100_000,
      125_000, 150_000, 175_000, 200_000, 250_000};
  /** Deliveries/s of the SockJS phases' fixed-rate step (server CPU per delivery). */
  double sockJsCpuDeliveries = 20_000;
  /** Warm-up of each SockJS repetition at that rate (the JVM servers' JIT, the sessions' buffers). */
  double sockJsWarmupSeconds = 5;
  int sockJsReps = 3;
  double stepSeconds = 5;
  int saturationReps = 2;
  double warmupSeconds = 3;
  int latencySubscribers = 5_000;
  double latencyDeliveries = 50_000;
  double latencySeconds = 10;
  int latencyReps = 3;
  /** Subscribers that drop and reconnect in the recovery phase. */
  int recoveryClients = 1_000;
  double overloadDeliveries = 100_000;
  double overloadSeconds = 20;
  long drainMs = 3_000;
  long overloadDrainMs = 10_000;
  String gatewayJvm = DEFAULT_GATEWAY_JVM;
  /** Extra environment of the gateway process (GATEWAY_* settings override the config file). */
  java.util.Map<String, String> gatewayEnv = new java.util.LinkedHashMap<>();
  Path root = Path.of("").toAbsolutePath();
  Path gatewayJar;
  Path out;
  /** The previous results file (the /ws fan-out regression check); null: the newest committed. */
  Path baseline;
  final List<String> args;

  private BenchOptions(String[] args) {
    this.args = List.of(args);
  }

  static BenchOptions parse(String[] args) {
    BenchOptions o = new BenchOptions(args);
    for (String a : args) {
      if (a.equals("--quick")) {
        o.quick();
      }
    }
    for (String a : args) {
      String v = a.contains("=") ? a.substring(a.indexOf('=') + 1) : "";
      if (a.equals("--quick")) {
        continue;
      } else if (a.startsWith("--targets=")) {
        o.targets = Arrays.stream(v.split(",")).map(Target::byLabel).toList();
      } else if (a.startsWith("--phases=")) {
        o.phases = Arrays.asList(v.split(","));
        for (String p : o.phases) {
          if (!ALL_PHASES.contains(p) && !HISTORY_PHASES.contains(p)
              && !PRESENCE_PHASES.contains(p)) {
            throw new IllegalArgumentException("unknown phase '" + p + "' " + ALL_PHASES + " "
                + HISTORY_PHASES + " " + PRESENCE_PHASES);
          }
        }
        if (o.phases.stream().anyMatch(PRESENCE_PHASES::contains) && !o.presence()) {
          throw new IllegalArgumentException("the presence phase runs on its own");
        }
        if (o.history() && !HISTORY_PHASES.containsAll(o.phases)) {
          throw new IllegalArgumentException("the history phases " + HISTORY_PHASES
              + " run on their own, not with the fan-out phases");
        }
      } else if (a.startsWith("--connections=")) {
        o.connections = Integer.parseInt(v);
      } else if (a.startsWith("--recovery-clients=")) {
        o.recoveryClients = Integer.parseInt(v);
      } else if (a.startsWith("--settle-ms=")) {
        o.settleMs = Long.parseLong(v);
      } else if (a.startsWith("--latency=")) {
        String[] nr = v.split("@");
        o.latencySubscribers = Integer.parseInt(nr[0]);
        o.latencyDeliveries = Double.parseDouble(nr[1]);
      } else if (a.startsWith("--reps=")) {
        o.latencyReps = Integer.parseInt(v);
        o.sockJsReps = o.latencyReps;
      } else if (a.startsWith("--gateway-jvm=")) {
        o.gatewayJvm = v;
      } else if (a.startsWith("--gateway-env=")) {
        for (String kv : v.split(",")) {
          int eq = kv.indexOf('=');
          if (eq <= 0 || !kv.startsWith("GATEWAY_")) {
            throw new IllegalArgumentException("--gateway-env takes GATEWAY_NAME=VALUE[,...]");
          }
          o.gatewayEnv.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
      } else if (a.startsWith("--gateway-jar=")) {
        o.gatewayJar = Path.of(v).toAbsolutePath();
      } else if (a.startsWith("--root=")) {
        o.root = Path.of(v).toAbsolutePath();
      } else if (a.startsWith("--out=")) {
        o.out = Path.of(v).toAbsolutePath();
      } else if (a.startsWith("--baseline=")) {
        o.baseline = Path.of(v).toAbsolutePath();
      } else if (a.equals("--help") || a.equals("-h")) {
        System.out.println(usage());
        System.exit(0);
      } else {
        throw new IllegalArgumentException("unknown option '" + a + "'\n" + usage());
      }
    }
    if (o.gatewayJar == null) {
      o.gatewayJar = o.root.resolve("gateway/target/gateway.jar");
    }
    if (o.out == null) {
      o.out = o.root.resolve("load-tests/results/" + (o.history() ? "history-"
          : o.presence() ? "presence-" : "fanout-")
          + LocalDate.now()
          + (o.quick ? "-quick" : "") + ".md");
    }
    return o;
  }

  private void quick() {
    quick = true;
    connections = 3_000;
    overloadDrainMs = 3_000;
    settleMs = 2_000;
    saturationRates = new double[] {25_000, 50_000, 100_000};
    sockJsRates = new double[] {20_000, 40_000, 60_000};
    sockJsReps = 1;
    sockJsWarmupSeconds = 2;
    stepSeconds = 2;
    saturationReps = 1;
    warmupSeconds = 1;
    latencySubscribers = 2_000;
    latencyDeliveries = 20_000;
    latencySeconds = 3;
    latencyReps = 1;
    overloadDeliveries = 60_000;
    overloadSeconds = 4;
    drainMs = 2_000;
  }

  /** Whether this is a run of the history benchmark ({@link #HISTORY_PHASES}). */
  boolean history() {
    return HISTORY_PHASES.containsAll(phases);
  }

  /** Whether this is a run of the presence benchmark ({@link #PRESENCE_PHASES}). */
  boolean presence() {
    return PRESENCE_PHASES.containsAll(phases);
  }

  /** The phases that run over SockJS (for the SockJS-capable targets only). */
  static boolean isSockJsPhase(String phase) {
    return phase.equals("sockjs") || phase.equals("eventsource");
  }

  static String usage() {
    return """
        usage: java -jar load-tests/target/bench.jar [options]   (run from the repository root)
          --quick                     smoke run: fewer connections, short steps, one repetition
          --targets=gateway,ws,socketio,sockjs-node,vertx-web   servers to measure (default: all)
          --phases=connect,saturation,latency,sockjs,eventsource,overload   (default: all)
          --phases=history-cpu,history-saturation,cluster,recovery   the history benchmark
                                      (results file history-DATE.md; --reps=N, at least 2)
          --phases=presence           the presence benchmark on a local three-node cluster
                                      (results file presence-DATE.md; --reps=N, at least 2)
          --recovery-clients=N        subscribers that drop and reconnect (1000)
          --connections=N             idle connections for connect rate and memory (15000)
          --reps=N                    repetitions of the latency, sockjs and eventsource phases (3)
          --latency=N@D               latency phase with N subscribers at D deliveries/s (5000@50000)
          --settle-ms=N               wait before reading RSS of the idle connections (5000)
          --gateway-jvm="FLAGS"       JVM flags for the gateway (default "-XX:+UseSerialGC -Xmn16m")
          --gateway-env=K=V[,K=V]     GATEWAY_* settings for the gateway (e.g. GATEWAY_EVENT_LOOPS=1)
          --gateway-jar=PATH          default gateway/target/gateway.jar
          --out=FILE                  results file (default load-tests/results/fanout-DATE.md)
          --baseline=FILE             previous results file for the /ws regression check
                                      (default: the newest full run in load-tests/results)
        """;
  }
}
