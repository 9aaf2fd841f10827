package dev.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection meters of the native WebSocket transport, read over {@code GET /metrics}: the open
 * gauge, opened and closed counters, close reasons. One node; tests compare before and after.
 */
class ConnectionMetricsTest {

  static final String WS = "transport=websocket";
  @RegisterExtension
  static final GatewayExtension gw = MetricsScraper.node();
  static final MetricsScraper metrics = new MetricsScraper(gw);

  static String awaitScrape(Predicate<String> condition, String what) {
    return metrics.await(condition, what);
  }

  @Test
  void connectionsGaugeAndOpenedClosedCounters() {
    String before = awaitScrape(s -> PrometheusText.value(s, "gateway_connections", WS) == 0, "no connection open");
    double opened = PrometheusText.value(before, "gateway_connections_opened_total", WS);
    double closed = PrometheusText.value(before, "gateway_connections_closed_total", WS, "reason=client_closed");
    try (BridgeClient c = gw.connect()) {
      String open = awaitScrape(s -> PrometheusText.value(s, "gateway_connections", WS) == 1, "gauge at 1 once connected");
      assertEquals(opened + 1, PrometheusText.value(open, "gateway_connections_opened_total", WS));
    } // closes with 1000
    String after = awaitScrape(s -> PrometheusText.value(s, "gateway_connections", WS) == 0, "gauge back at 0 after close");
    assertEquals(closed + 1, PrometheusText.value(after, "gateway_connections_closed_total", WS, "reason=client_closed"));
    assertEquals(opened + 1, PrometheusText.value(after, "gateway_connections_opened_total", WS));
  }

  @Test
  void serverSideCloseIsCountedWithItsReason() {
    String before = awaitScrape(s -> PrometheusText.value(s, "gateway_connections", WS) == 0, "no connection open");
    double unsupported = PrometheusText.value(before, "gateway_connections_closed_total", WS, "reason=unsupported_data");
    double clientClosed = PrometheusText.value(before, "gateway_connections_closed_total", WS, "reason=client_closed");
    try (BridgeClient c = gw.connect()) {
      c.socket.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
      assertEquals(Short.valueOf((short) 1003), c.awaitClose(5));
    }
    String after = awaitScrape(s -> PrometheusText.value(s, "gateway_connections", WS) == 0, "gauge back at 0");
    assertEquals(unsupported + 1, PrometheusText.value(after, "gateway_connections_closed_total", WS, "reason=unsupported_data"));
    assertEquals(clientClosed, PrometheusText.value(after, "gateway_connections_closed_total", WS, "reason=client_closed"),
        "a server-side close was also counted as client_closed");
  }

  /** A client that vanishes (TCP reset, no close frame) is a transport error, not a client close. */
  @Test
  void abruptDisconnectIsCountedAsTransportError() throws IOException {
    String before = awaitScrape(s -> PrometheusText.value(s, "gateway_connections", WS) == 0, "no connection open");
    double transportError = PrometheusText.value(before, "gateway_connections_closed_total", WS, "reason=transport_error");
    double clientClosed = PrometheusText.value(before, "gateway_connections_closed_total", WS, "reason=client_closed");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] head = new byte[512];
      int n = s.getInputStream().read(head);
      assertTrue(new String(head, 0, Math.max(n, 0), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101"));
      awaitScrape(x -> PrometheusText.value(x, "gateway_connections", WS) == 1, "connection counted");
      s.setSoLinger(true, 0); // close sends a TCP reset, no WebSocket close frame
    }
    String after = awaitScrape(s -> PrometheusText.value(s, "gateway_connections", WS) == 0, "gauge back at 0");
    assertEquals(transportError + 1, PrometheusText.value(after, "gateway_connections_closed_total", WS, "reason=transport_error"),
        "reset connection not counted as transport_error; client_closed went from " + clientClosed + " to "
            + PrometheusText.value(after, "gateway_connections_closed_total", WS, "reason=client_closed"));
  }
}
