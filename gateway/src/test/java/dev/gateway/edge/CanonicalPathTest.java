package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawHandshake;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * SockJS paths are matched canonically, by one parser, before anything else sees a request: a
 * path that is not exactly {@code /eventbus}, {@code /eventbus/}, {@code /eventbus/info},
 * {@code /eventbus/websocket} or {@code /eventbus/SERVER/SESSION/TRANSPORT} (no empty segment,
 * no dot segment, no percent-encoded letter) is 404, so no spelling of a path opens a session
 * the connection limit did not see: with {@code limits.maxConnections=5}, sessions opened through
 * odd spellings and normal ones never add up to more than 5 open connections.
 */
class CanonicalPathTest {

  TestGateway gateway;
  final List<HttpWire> open = new ArrayList<>();

  @AfterEach
  void stop() {
    open.forEach(HttpWire::close);
    if (gateway != null) {
      gateway.close();
    }
  }

  private HttpWire request(String method, String target, Map<String, String> headers) {
    HttpWire w = HttpWire.open("127.0.0.1", gateway.port);
    open.add(w);
    return w.send(method, target, headers, method.equals("POST") ? "" : null);
  }

  private HttpWire upgrade(String target) {
    return request("GET", target, RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey()));
  }

  private static Executable notFound(String what, HttpWire w) {
    return () -> assertEquals(404, w.head(3).status(), what + " answered " + w.head(3));
  }

  /** Other non-canonical spellings: 404, or 400 where the spelling itself is malformed. */
  private static Executable refused(String what, HttpWire w) {
    return () -> {
      int status = w.head(3).status();
      assertTrue(status == 404 || status == 400, what + " answered " + w.head(3));
    };
  }

  @Test
  void nonCanonicalSockJsPathsAre404() {
    gateway = TestGateway.start(Edge.config());
    assertAll(
        notFound("POST /eventbus/000/odd1/xhr%5Fstreaming", request("POST", "/eventbus/000/odd1/xhr%5Fstreaming", Map.of())),
        refused("POST /eventbus/000/odd2/xhr%5fstreaming", request("POST", "/eventbus/000/odd2/xhr%5fstreaming", Map.of())),
        notFound("POST /eventbus//000/odd3/xhr", request("POST", "/eventbus//000/odd3/xhr", Map.of())),
        notFound("GET /eventbus/./websocket (upgrade)", upgrade("/eventbus/./websocket")),
        refused("GET /eventbus/000/odd4/./websocket (upgrade)", upgrade("/eventbus/000/odd4/./websocket")),
        notFound("GET /eventbus//", request("GET", "/eventbus//", Map.of())),
        refused("GET /eventbus//info", request("GET", "/eventbus//info", Map.of())));
  }

  @Test
  void baseUrlStillGreets() {
    gateway = TestGateway.start(Edge.config());
    for (String path : new String[] {"/eventbus", "/eventbus/"}) {
      HttpWire.Response r = HttpWire.exchange("127.0.0.1", gateway.port, "GET", path, Map.of(), null, 3);
      assertEquals(200, r.status(), path + " answered " + r);
      assertEquals("Welcome to SockJS!\n", r.body(), path);
    }
  }

  /** Open connections (all transports) and slots in use, both at most the limit. */
  private void assertWithinLimit(String after) {
    assertAll(
        () -> {
          double connections = Edge.connections(gateway);
          assertTrue(connections <= 5, connections + " open connections (limit 5) after " + after);
        },
        () -> {
          double slots = Edge.sample(gateway, Edge.SLOTS);
          assertTrue(slots <= 5, slots + " slots in use (limit 5) after " + after);
        });
  }

  @Test
  void oddSpellingsNeverOpenConnectionsPastTheLimit() throws Exception {
    gateway = TestGateway.start(Edge.config("limits", new JsonObject().put("maxConnections", 5),
        "sockjs", new JsonObject().put("sessionTimeoutMs", 5000)));
    List<String> steps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HttpWire normal = request("POST", "/eventbus/000/norm" + i + "/xhr_streaming", Map.of());
      normal.awaitBody("o\n", 3);
      steps.add("normal stream " + i);
    }
    for (int i = 0; i < 3; i++) {
      request("POST", "/eventbus/000/enc" + i + "/xhr%5Fstreaming", Map.of()).head(3);
      request("POST", "/eventbus//000/dbl" + i + "/xhr", Map.of()).response(3);
      upgrade("/eventbus/./websocket").head(3);
      steps.add("odd spellings round " + i);
    }
    for (int i = 3; i < 5; i++) {
      HttpWire normal = request("POST", "/eventbus/000/norm" + i + "/xhr_streaming", Map.of());
      normal.head(3);
      steps.add("normal stream " + i);
    }
    TimeUnit.MILLISECONDS.sleep(300); // connection gauges are updated on the event loops
    assertWithinLimit(String.join(", ", steps));
  }
}
