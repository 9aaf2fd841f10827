package dev.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.ProcessCluster;
import dev.gateway.support.UsersApiClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The users API on three gateway processes from the jar: a user with a WebSocket on every node
 * is reached once on each by a publish through one node, listed on every node by another, and
 * disconnected everywhere within 1 s (4503) by a third.
 */
class UsersProcessIT {

  static final String KEY = "users-process-it-key";

  @RegisterExtension
  static final ProcessCluster cluster = ProcessCluster.of(3, Map.of(
      "GATEWAY_AUTH_MODE", "required", "GATEWAY_JWT_HS256_SECRET", UsersApiClient.SECRET,
      "GATEWAY_API_KEY", KEY, "GATEWAY_PERMISSIONS_SUBSCRIBE", "news.*"));

  @Test
  void aUserOnEveryNodeIsReachedOnceAndDisconnectedEverywhereWithinASecond() throws Exception {
    UsersApiClient api = new UsersApiClient(cluster.client(), KEY);
    String alice = "alice-" + UUID.randomUUID();
    List<BridgeClient> sockets = new ArrayList<>();
    try {
      for (int n = 0; n < 3; n++) {
        BridgeClient ws = api.webSocket(cluster.node(n).port, api.token(alice));
        ws.register("news.warm"); // open and authenticated on that node
        sockets.add(ws);
      }
      String address = "personal." + UUID.randomUUID();
      HttpResponse<Buffer> published = api.post(cluster.node(0).port, "/api/users/publish",
          new JsonObject().put("user", alice).put("address", address)
              .put("body", new JsonObject().put("text", "for alice")));
      assertEquals(202, published.statusCode(), published.bodyAsString());
      assertEquals(3, published.bodyAsJsonObject().getInteger("connections"), published.bodyAsString());
      for (int n = 0; n < 3; n++) {
        JsonObject rec = sockets.get(n).awaitRec(address, 10);
        assertNotNull(rec, "node " + n + ": the personal message did not arrive");
        assertEquals("for alice", rec.getJsonObject("body").getString("text"));
        JsonObject again = sockets.get(n).poll(500);
        assertTrue(again == null || !address.equals(again.getString("address")),
            "node " + n + ": delivered twice: " + again);
      }

      HttpResponse<Buffer> listed = api.connections(cluster.node(1).port, alice);
      assertEquals(200, listed.statusCode(), listed.bodyAsString());
      JsonArray connections = UsersApiClient.list(listed);
      TreeSet<String> nodes = new TreeSet<>();
      connections.forEach(c -> nodes.add(((JsonObject) c).getString("node")));
      assertEquals(3, connections.size(), listed.bodyAsString());
      assertEquals(3, nodes.size(), "one connection on each node: " + listed.bodyAsString());

      long sent = System.nanoTime();
      HttpResponse<Buffer> disconnected = api.post(cluster.node(2).port, "/api/users/disconnect",
          new JsonObject().put("user", alice).put("reason", "account closed"));
      assertEquals(200, disconnected.statusCode(), disconnected.bodyAsString());
      for (int n = 0; n < 3; n++) {
        Short code = sockets.get(n).awaitClose(5);
        long ms = (System.nanoTime() - sent) / 1_000_000;
        assertNotNull(code, "node " + n + ": not closed");
        assertEquals(4503, code.intValue(), "node " + n);
        assertTrue(ms <= 1_000, "node " + n + ": closed " + ms + " ms after the disconnect call");
      }
    } finally {
      sockets.forEach(BridgeClient::close);
    }
  }
}
