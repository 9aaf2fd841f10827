package dev.gateway.load;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Base of the simulations: parameters (simulation defaults, then {@code -Dgateway.*}), the
 * shared run state, one {@code setUp} with the gateway protocol and the assertions, and a
 * summary of what subscribers saw (deliveries, latency percentiles, problems) at the end.
 */
public abstract class GatewaySimulation extends Simulation {

  protected final LoadConfig cfg;
  protected final RunState state = new RunState();

  protected GatewaySimulation(Map<String, String> defaults, Map<String, String> overrides) {
    this.cfg = new LoadConfig(defaults, overrides);
  }

  protected GatewaySimulation(Map<String, String> defaults) {
    this(defaults, Map.of());
  }

  /** Sets the run up: every population, the protocol, the assertions, a hard time limit. */
  protected void run(List<PopulationBuilder> populations, Collection<String> timed,
                     Collection<String> verdicts, Duration maxDuration) {
    Set<String> t = new TreeSet<>(timed);
    Set<String> v = new TreeSet<>(verdicts);
    System.out.println("[gateway-load] " + getClass().getSimpleName() + " against " + cfg.urls
        + "\n[gateway-load] parameters " + cfg.describe()
        + "\n[gateway-load] p99 bounded: " + t + "; delivery verdicts: " + v);
    setUp(populations).protocols(WsChains.protocol(cfg))
        .assertions(LoadAssertions.of(cfg, t, v))
        .maxDuration(maxDuration);
  }

  /** A fan-out with these subscribers (by transport) and nothing else. */
  protected void runFanout(Map<Fanout.Transport, Integer> subscribers) {
    Fanout fanout = new Fanout(cfg, state, subscribers);
    Set<String> timed = new TreeSet<>();
    Set<String> verdicts = new TreeSet<>();
    fanout.requestNames(timed, verdicts);
    run(fanout.populations(), timed, verdicts, fanout.maxDuration());
  }

  @Override
  public void before() {
    state.start();
  }

  @Override
  public void after() {
    System.out.println("[gateway-load] " + getClass().getSimpleName()
        + ": deliveries checked by subscribers (publish-to-arrival latency from the body's timestamp)\n"
        + state.summary());
  }
}
