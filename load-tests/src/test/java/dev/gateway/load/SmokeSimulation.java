package dev.gateway.load;

import io.gatling.javaapi.core.PopulationBuilder;
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
 * in {@code before()} and stops it in {@code after()}; otherwise it targets {@code gateway.url}.
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
      Map.entry("gateway.maxLatencyMs", "5000"));

  private final LocalGateway node;

  public SmokeSimulation() {
    this(LocalGateway.fromSystemProperties());
  }

  private SmokeSimulation(LocalGateway node) {
    super(DEFAULTS, node == null ? Map.of() : Map.of("gateway.url", node.url()));
    this.node = node;
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

  @Override
  public void before() {
    if (node != null) {
      node.start();
    }
    super.before();
  }

  @Override
  public void after() {
    super.after();
    if (node != null) {
      node.close();
    }
  }
}
