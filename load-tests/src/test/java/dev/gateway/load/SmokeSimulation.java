package dev.gateway.load;

import dev.gateway.testkit.GatewayProcess;
import io.gatling.javaapi.core.PopulationBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CI smoke (profile {@code gatling-smoke}, part of {@code mvn verify}): every simulation's
 * chains at a small load, all at once, in well under a minute: a fan-out on two channels with
 * subscribers over native WebSocket, xhr-polling, xhr-streaming and eventsource, the chat rooms
 * and the churn. With {@code -Dgateway.launchJar} it starts that jar on a free 127.0.0.1 port
 * in {@code before()} (single node, default settings but a 1 s drain window; output to
 * {@code -Dgateway.launchLog}, by default {@code load-tests/target/gatling/smoke-gateway.log}) and stops it
 * in {@code after()} (SIGTERM, SIGKILL after 20 s); otherwise it targets {@code gateway.url}.
 */
public class SmokeSimulation extends GatewaySimulation {

  static final Map<String, String> DEFAULTS = Map.ofEntries(
      Map.entry("gateway.channels", "2"), Map.entry("gateway.publishers", "2"),
      Map.entry("gateway.rate", "10"), Map.entry("gateway.durationSec", "8"),
      Map.entry("gateway.rampSec", "3"), Map.entry("gateway.graceSec", "10"),
      Map.entry("gateway.verifyEveryMs", "1000"), Map.entry("gateway.roomSize", "4"),
      Map.entry("gateway.thinkMs", "1000"), Map.entry("gateway.churnPauseMs", "100"),
      // the node has just started (cold JIT) and CI machines are busy: looser bounds than the defaults
      Map.entry("gateway.p99Ms", "2000"), Map.entry("gateway.setupP99Ms", "3000"),
      Map.entry("gateway.maxLatencyMs", "5000"),
      // a smoke at this load fails nothing: one failed request of any kind fails the build
      Map.entry("gateway.maxFailedPercent", "0"));

  /** The node to start, or null to target {@code gateway.url}. */
  private final GatewayProcess.Builder launch;
  private GatewayProcess node;

  public SmokeSimulation() {
    this(launchFromSystemProperties());
  }

  private SmokeSimulation(GatewayProcess.Builder launch) {
    super(DEFAULTS, launch == null ? Map.of() : Map.of("gateway.url", launch.url()));
    this.launch = launch;
    Fanout fanout = new Fanout(cfg, state, Map.of(
        Fanout.Transport.WEBSOCKET, 20, Fanout.Transport.XHR_POLLING, 6,
        Fanout.Transport.XHR_STREAMING, 4, Fanout.Transport.EVENTSOURCE, 6));
    ChatRooms chat = new ChatRooms(cfg, state, 16);
    Churn churn = new Churn(cfg, state, 4);
    List<PopulationBuilder> all = new ArrayList<>(fanout.populations());
    all.add(chat.population());
    all.add(churn.population());
    Set<String> timed = new HashSet<>();
    Set<String> verdicts = new HashSet<>();
    fanout.requestNames(timed, verdicts);
    timed.addAll(ChatRooms.timedRequests());
    timed.addAll(Churn.timedRequests());
    Duration max = fanout.maxDuration();
    run(all, timed, verdicts, max);
  }

  /** The node named by {@code -Dgateway.launchJar} (log: {@code -Dgateway.launchLog}), or null. */
  private static GatewayProcess.Builder launchFromSystemProperties() {
    String jar = System.getProperty("gateway.launchJar", "");
    if (jar.isBlank()) {
      return null;
    }
    String log = System.getProperty("gateway.launchLog", "");
    Path logFile = (log.isBlank() ? targetDir().resolve("gatling").resolve("smoke-gateway.log")
        : Path.of(log)).toAbsolutePath();
    String name = logFile.getFileName().toString().replaceFirst("\\.log$", "");
    return GatewayProcess.builder(Path.of(jar).toAbsolutePath().normalize())
        .name(name).logDir(logFile.getParent()).jvmArgs("-Xmx384m")
        .env("GATEWAY_DRAIN_WINDOW_MS", "1000")
        // every virtual user connects from 127.0.0.1: the per-address limits would count them as one client
        .env("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "100000")
        .env("GATEWAY_MAX_HANDSHAKES_PER_ADDRESS", "10000");
  }

  /** load-tests/target (the parent of the test-classes this class was loaded from). */
  private static Path targetDir() {
    try {
      return Path.of(SmokeSimulation.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .getParent();
    } catch (Exception e) {
      return Path.of("target");
    }
  }

  @Override
  public void before() {
    if (launch != null) {
      node = launch.start(60);
      System.out.println("[gateway-load] started gateway pid " + node.pid() + " on " + node.url()
          + " (log " + node.log + ")");
    }
    super.before();
  }

  @Override
  public void after() {
    super.after();
    if (node != null) {
      Integer exit = node.stop(Duration.ofSeconds(20));
      System.out.println("[gateway-load] stopped gateway pid " + node.pid()
          + (exit == null ? " (killed after 20 s)" : ", exit " + exit));
    }
  }
}
