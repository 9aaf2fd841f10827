package dev.gateway.load;

import java.util.Map;

/**
 * The fan-out with SockJS eventsource subscribers (Gatling's SSE client on
 * {@code GET .../eventsource}, register and verify over {@code xhr_send}).
 */
public class EventSourceFanoutSimulation extends GatewaySimulation {

  static final Map<String, String> DEFAULTS = Map.of(
      "gateway.users", "200", "gateway.channels", "10", "gateway.publishers", "10",
      "gateway.rate", "10", "gateway.durationSec", "60", "gateway.rampSec", "10");

  public EventSourceFanoutSimulation() {
    super(DEFAULTS);
    runFanout(Map.of(Fanout.Transport.EVENTSOURCE, cfg.users));
  }
}
