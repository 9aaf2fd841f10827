package dev.gateway.load;

import java.util.Map;

/**
 * The fan-out with SockJS xhr-polling subscribers (open, register and verify over
 * {@code xhr_send}, receive by {@code POST .../xhr} long polls); publishers on native WebSockets
 * (or the HTTP API with {@code -Dgateway.publishMode=http}).
 */
public class XhrPollingFanoutSimulation extends GatewaySimulation {

  static final Map<String, String> DEFAULTS = Map.of(
      "gateway.users", "200", "gateway.channels", "10", "gateway.publishers", "10",
      "gateway.rate", "10", "gateway.durationSec", "60", "gateway.rampSec", "10");

  public XhrPollingFanoutSimulation() {
    super(DEFAULTS);
    runFanout(Map.of(Fanout.Transport.XHR_POLLING, cfg.users));
  }
}
