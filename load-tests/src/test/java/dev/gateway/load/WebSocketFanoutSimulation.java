package dev.gateway.load;

import java.util.Map;

/**
 * Native WebSocket fan-out: {@code gateway.users} subscribers on {@code gateway.channels}
 * channels, {@code gateway.publishers} publishers at {@code gateway.rate} messages/s each; every
 * message checked on arrival (sender, sequence, latency) and every one accounted for at the end.
 */
public class WebSocketFanoutSimulation extends GatewaySimulation {

  static final Map<String, String> DEFAULTS = Map.of(
      "gateway.users", "500", "gateway.channels", "10", "gateway.publishers", "10",
      "gateway.rate", "20", "gateway.durationSec", "60", "gateway.rampSec", "10");

  public WebSocketFanoutSimulation() {
    super(DEFAULTS);
    runFanout(Map.of(Fanout.Transport.WEBSOCKET, cfg.users));
  }
}
