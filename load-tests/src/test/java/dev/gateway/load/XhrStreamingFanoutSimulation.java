package dev.gateway.load;

import java.util.Map;

/**
 * The fan-out with SockJS xhr-streaming subscribers. Gatling reads a streaming response whole:
 * each {@code stream} request lasts until the gateway recycles the response after
 * {@code sockjs.maxBytesStreaming} (128 KiB), so keep a channel's traffic above ~3 KB/s
 * (rate x (payloadBytes + ~80) per channel) or streams outlast Gatling's 60 s request timeout.
 */
public class XhrStreamingFanoutSimulation extends GatewaySimulation {

  static final Map<String, String> DEFAULTS = Map.of(
      "gateway.users", "100", "gateway.channels", "5", "gateway.publishers", "5",
      "gateway.rate", "20", "gateway.payloadBytes", "400", "gateway.durationSec", "60",
      "gateway.rampSec", "10");

  public XhrStreamingFanoutSimulation() {
    super(DEFAULTS);
    runFanout(Map.of(Fanout.Transport.XHR_STREAMING, cfg.users));
  }
}
