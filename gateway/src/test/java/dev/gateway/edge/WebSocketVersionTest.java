package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.RawHandshake;
import dev.gateway.support.TestGateway;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every WebSocket endpoint speaks RFC 6455 only: an upgrade with {@code Sec-WebSocket-Version}
 * 7 or 8 (the hybi drafts), or with none at all (hixie-76, with its {@code Sec-WebSocket-Key1}
 * and {@code Key2} headers), is answered 426 with {@code Sec-WebSocket-Version: 13} on
 * {@code /ws}, {@code /eventbus/websocket} and {@code /eventbus/SERVER/SESSION/websocket}.
 */
class WebSocketVersionTest {

  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(Edge.config());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  static Stream<Arguments> cases() {
    return Stream.of("/ws", "/eventbus/websocket", "/eventbus/000/ver1/websocket")
        .flatMap(path -> Stream.of("7", "8", "none").map(v -> Arguments.of(path, v)));
  }

  @ParameterizedTest(name = "{0} version {1}")
  @MethodSource("cases")
  void onlyVersion13IsSpoken(String path, String version) {
    HttpWire.Response r;
    try (HttpWire w = HttpWire.open("127.0.0.1", gateway.port)) {
      if (version.equals("none")) {
        // draft-hixie-thewebsocketprotocol-76, section 1.2's sample handshake
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Upgrade", "WebSocket");
        h.put("Connection", "Upgrade");
        h.put("Sec-WebSocket-Key1", "4 @1  46546xW%0l 1 5");
        h.put("Sec-WebSocket-Key2", "12998 5 Y3 1  .P00");
        h.put("Origin", "http://127.0.0.1:" + gateway.port);
        w.send("GET", path, h, null).write("^n:ds[4U");
      } else {
        Map<String, String> h = RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey());
        h.put("Sec-WebSocket-Version", version);
        w.send("GET", path, h, null);
      }
      r = w.response(3);
    }
    HttpWire.Response answer = r;
    assertAll(
        () -> assertEquals(426, answer.status(), path + " with version " + version + " answered " + answer),
        () -> assertEquals("13", answer.header("Sec-WebSocket-Version"), "Sec-WebSocket-Version in " + answer));
  }
}
