package dev.gateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.protocol.CloseReason;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * gateway-client.js follows the gateway's close codes ({@link CloseReason}, the table in
 * docs/protocol.md): 1001 reconnects at once, a code whose rule is "reconnect" backs off, one
 * whose rule is "do not reconnect" stops; over SockJS the WebSocket protocol codes 1002, 1003,
 * 1007 and 1009 back off instead (sockjs-client reports its own failures to connect as 1002),
 * as docs/client.md says. Runs the client's own {@code reconnectRule} in Node.
 */
class ReconnectRuleTest {

  static final Path CLIENT = Paths.get("src/main/resources/webroot/gateway-client.js");
  static final List<Integer> SOCKJS_BACKS_OFF = List.of(1002, 1003, 1007, 1009);
  /** Codes the gateway does not send, with what the client does: the documented ranges. */
  static final Map<Integer, String> OTHERS = Map.of(1006, "backoff", 3000, "backoff",
      4100, "backoff", 4499, "backoff", 4500, "stop", 4777, "stop", 4999, "stop");

  @Test
  void everyCloseCodeGetsTheDocumentedRule() throws Exception {
    Map<String, String> expected = new TreeMap<>();
    for (CloseReason r : CloseReason.values()) {
      String ws = r.code() == 1001 ? "now" : r.reconnect() ? "backoff" : "stop";
      expected.put(r.code() + " websocket", ws);
      expected.put(r.code() + " sockjs", SOCKJS_BACKS_OFF.contains(r.code()) ? "backoff" : ws);
    }
    OTHERS.forEach((code, rule) -> {
      expected.put(code + " websocket", rule);
      expected.put(code + " sockjs", rule);
    });
    StringBuilder codes = new StringBuilder();
    for (String key : expected.keySet()) {
      codes.append(codes.length() == 0 ? "" : ",").append('"').append(key).append('"');
    }
    String script = "require(" + Json.encode(CLIENT.toAbsolutePath().toString()) + ");"
        + "const out = {}; for (const k of [" + codes + "]) { const [c, t] = k.split(' ');"
        + " out[k] = GatewayClient.reconnectRule(Number(c), t); }"
        + "process.stdout.write(JSON.stringify(out));";
    JsonObject actual = new JsonObject(node(script));
    assertEquals(expected, new TreeMap<>(actual.getMap()), "code and transport -> rule");
  }

  private static String node(String script) throws IOException, InterruptedException {
    Path node = Paths.get("/usr/bin/node");
    assertTrue(Files.isExecutable(node), "this test runs gateway-client.js in Node: apt-get install nodejs");
    Process p = new ProcessBuilder(node.toString(), "-e", script).redirectErrorStream(true).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "node did not finish within 30 s");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "node failed: " + out);
    return out;
  }
}
