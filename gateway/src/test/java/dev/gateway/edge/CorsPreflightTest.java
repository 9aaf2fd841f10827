package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.TestGateway;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A CORS preflight from an allowed origin is answered with exactly the headers it asked for:
 * {@code Access-Control-Request-Headers: a, b, c} gets {@code Access-Control-Allow-Headers: a, b, c};
 * an empty or absent request header gets no {@code Access-Control-Allow-Headers} at all.
 */
class CorsPreflightTest {

  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(Edge.config());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  /** An OPTIONS from the gateway's own origin; {@code requested} null leaves the header out. */
  private static HttpWire.Response preflight(String path, String requested) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Origin", "http://127.0.0.1:" + gateway.port);
    h.put("Access-Control-Request-Method", "POST");
    if (requested != null) {
      h.put("Access-Control-Request-Headers", requested);
    }
    return HttpWire.exchange("127.0.0.1", gateway.port, "OPTIONS", path, h, null, 3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/eventbus/info", "/eventbus/000/cors1/xhr_send", "/eventbus/000/cors2/xhr",
      "/eventbus/000/cors3/xhr_streaming"})
  void preflightAllowsExactlyTheRequestedHeaders(String path) {
    HttpWire.Response asked = preflight(path, "a, b, c");
    HttpWire.Response empty = preflight(path, "");
    HttpWire.Response none = preflight(path, null);
    assertAll(
        () -> assertEquals(2, asked.status() / 100, "preflight answered " + asked),
        () -> assertEquals("a, b, c", asked.header("Access-Control-Allow-Headers"), "requested a, b, c"),
        () -> assertNull(empty.header("Access-Control-Allow-Headers"), "requested an empty list"),
        () -> assertNull(none.header("Access-Control-Allow-Headers"), "requested nothing"));
  }
}
