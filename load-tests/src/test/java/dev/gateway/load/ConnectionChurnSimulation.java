package dev.gateway.load;

import java.util.List;
import java.util.Map;

/**
 * Connection churn on native WebSockets: {@code gateway.users} users each looping connect,
 * subscribe, publish-and-receive, close for {@code gateway.durationSec}.
 */
public class ConnectionChurnSimulation extends GatewaySimulation {

  static final Map<String, String> DEFAULTS = Map.of(
      "gateway.users", "50", "gateway.channels", "10", "gateway.churnPauseMs", "200",
      "gateway.durationSec", "60", "gateway.rampSec", "5");

  public ConnectionChurnSimulation() {
    super(DEFAULTS);
    Churn churn = new Churn(cfg, state, cfg.users);
    run(List.of(churn.population()), Churn.timedRequests(), List.of(), churn.maxDuration());
  }
}
