package dev.gateway.cluster;

import static dev.gateway.support.GatewayExtension.fresh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.ClusterOutsider;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import dev.gateway.support.UsersApiClient;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The users API on three clustered nodes in one JVM (real Hazelcast on loopback), a user with
 * connections on every node: publish-to-user reaches each connection once whichever node is
 * asked, the connections list names every node, a disconnect closes all of them within a second
 * and its ban holds on every node; a command that is not sealed with the cluster secret is
 * refused and counted, and a member that is no gateway is named as unanswered.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UsersClusterIT {

  static final JsonObject CONFIG = new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("news.*")))
      .put("users", new JsonObject().put("nodeTimeoutMs", 1_500))
      .put("auth", UsersApiClient.auth());

  @RegisterExtension
  static final GatewayExtension cluster = GatewayExtension.cluster(CONFIG, CONFIG, CONFIG);

  static UsersApiClient api;
  static List<TestGateway> nodes;

  @BeforeAll
  static void client() {
    api = new UsersApiClient(cluster.client(), null);
    nodes = cluster.nodes();
  }

  /** A WebSocket of the user on every node, and a SockJS session on the second. */
  private static List<AutoCloseable> everywhere(String user, List<BridgeClient> sockets,
                                                List<SockJsSession> sessions) {
    List<AutoCloseable> all = new ArrayList<>();
    for (TestGateway n : nodes) {
      BridgeClient ws = api.webSocket(n.port, api.token(user));
      sockets.add(ws);
      all.add(ws);
    }
    SockJsSession s = api.sockJs(nodes.get(1).port, api.token(user), "news.c");
    sessions.add(s);
    all.add(s);
    return all;
  }

  private static void closeAll(List<AutoCloseable> all) throws Exception {
    for (AutoCloseable c : all) {
      c.close();
    }
  }

  private static Set<String> nodeIds() {
    Set<String> ids = new HashSet<>();
    nodes.forEach(n -> ids.add(n.nodeId()));
    return ids;
  }

  @Test
  void publishReachesEveryConnectionOnEveryNodeOnceAndTheListNamesEveryNode() throws Exception {
    String alice = fresh("alice");
    String inbox = "inbox." + alice;
    List<BridgeClient> sockets = new ArrayList<>();
    List<SockJsSession> sessions = new ArrayList<>();
    List<AutoCloseable> all = everywhere(alice, sockets, sessions);
    try {
      HttpResponse<Buffer> r = api.post(nodes.get(0).port, "/api/users/publish",
          new JsonObject().put("user", alice).put("address", inbox).put("body", "hello"));
      assertEquals(202, r.statusCode(), r.bodyAsString());
      assertEquals(4, r.bodyAsJsonObject().getInteger("connections"), r.bodyAsString());
      assertEquals(nodeIds(), new HashSet<>(r.bodyAsJsonObject().getJsonArray("nodes").getList()));
      for (BridgeClient ws : sockets) {
        assertNotNull(ws.awaitRec(inbox, 5), "a WebSocket of the user got nothing");
      }
      assertNotNull(sessions.get(0).awaitRec(inbox, 5), "the SockJS session got nothing");
      for (BridgeClient ws : sockets) {
        assertNull(ws.awaitRec(inbox, 1), "a connection got the message twice");
      }
      assertNull(sessions.get(0).awaitRec(inbox, 0), "the SockJS session got it twice");

      r = api.connections(nodes.get(2).port, alice);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      JsonArray list = UsersApiClient.list(r);
      assertEquals(4, list.size(), r.bodyAsString());
      Set<String> listed = new HashSet<>();
      int sockJs = 0;
      for (Object o : list) {
        JsonObject c = (JsonObject) o;
        listed.add(c.getString("node"));
        sockJs += c.getString("transport").equals("xhr-streaming") ? 1 : 0;
      }
      assertEquals(nodeIds(), listed, "every node's connections are listed: " + r.bodyAsString());
      assertEquals(1, sockJs, r.bodyAsString());
    } finally {
      closeAll(all);
    }
  }

  @Test
  void disconnectClosesTheUserOnEveryNodeWithinASecondAndTheBanHoldsEverywhere() throws Exception {
    String alice = fresh("alice");
    List<BridgeClient> sockets = new ArrayList<>();
    List<SockJsSession> sessions = new ArrayList<>();
    List<AutoCloseable> all = everywhere(alice, sockets, sessions);
    try {
      long start = System.nanoTime();
      HttpResponse<Buffer> r = api.post(nodes.get(1).port, "/api/users/disconnect",
          new JsonObject().put("user", alice).put("reason", "bye").put("banSeconds", 30));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(4, r.bodyAsJsonObject().getInteger("connections"), r.bodyAsString());
      for (BridgeClient ws : sockets) {
        Short code = ws.awaitClose(1);
        assertNotNull(code, "a connection was still open");
        assertEquals(4503, code.intValue());
      }
      SockJsSession s = sessions.get(0);
      assertTrue(s.awaitCondition(() -> s.closeFrame() != null, 1), "SockJS not closed");
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(tookMs <= 1_000, "the user was disconnected everywhere only after " + tookMs + " ms");
      assertEquals(new JsonArray().add(4503).add("bye"), s.closeFrame());
      for (TestGateway n : nodes) {
        assertEquals(401, api.handshakeStatus(n.port, api.token(alice)), "banned on " + n.name);
      }
      assertEquals(404, api.connections(nodes.get(0).port, alice).statusCode());
    } finally {
      closeAll(all);
    }
  }

  @Test
  void forgedCommandsAreRefusedAndCountedAndAMemberThatIsNoGatewayIsUnanswered() throws Exception {
    String alice = fresh("alice");
    TestGateway b = nodes.get(1);
    try (BridgeClient victim = api.webSocket(b.port, api.token(alice))) {
      TestGateway a = nodes.get(0);
      ClusterOutsider outsider = cluster.closeAfter(ClusterOutsider.join(a.config.cluster().name(),
          a.config.cluster().port(), new EventBusOptions()));
      String address = "gateway.internal.users." + b.nodeId();
      double unsigned = b.metric("gateway_cluster_messages_rejected_total{reason=\"unsigned\"}");
      double badMac = b.metric("gateway_cluster_messages_rejected_total{reason=\"bad_mac\"}");
      Buffer command = new JsonObject().put("op", "disconnect").put("user", alice).toBuffer();
      DeliveryOptions quick = new DeliveryOptions().setSendTimeout(1_000);
      outsider.vertx.eventBus().send(address, command);
      dev.gateway.cluster.ClusterSeal other = dev.gateway.cluster.ClusterSeal.of(
          "another-secret-another-secret-another-secret", x -> { });
      outsider.vertx.eventBus().request(address, other.seal(address, command), quick)
          .otherwise((io.vertx.core.eventbus.Message<Object>) null);
      assertEquals(unsigned + 1, b.awaitMetric(
          "gateway_cluster_messages_rejected_total{reason=\"unsigned\"}", v -> v > unsigned, 10), 0.0);
      assertEquals(badMac + 1, b.awaitMetric(
          "gateway_cluster_messages_rejected_total{reason=\"bad_mac\"}", v -> v > badMac, 10), 0.0);
      double tooBig = b.metric("gateway_cluster_messages_rejected_total{reason=\"too_big\"}");
      outsider.vertx.eventBus().send(address, Buffer.buffer(new byte[400 * 1024]));
      assertEquals(tooBig + 1, b.awaitMetric(
          "gateway_cluster_messages_rejected_total{reason=\"too_big\"}", v -> v > tooBig, 10), 0.0);
      assertNull(victim.awaitClose(1), "a forged command closed the user's connection");

      // the outsider is a member with no users consumer: named, and the others still answer
      String outsiderId = ((io.vertx.core.internal.VertxInternal) outsider.vertx).clusterManager()
          .getNodeId();
      HttpResponse<Buffer> r = api.connections(a.port, alice);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(new JsonArray().add(new JsonObject().put("node", outsiderId)
          .put("unanswered", "no_handlers")), r.bodyAsJsonObject().getJsonArray("unanswered"));
      assertEquals(nodeIds(), new HashSet<>(r.bodyAsJsonObject().getJsonArray("nodes").getList()));
      assertEquals(1, UsersApiClient.list(r).size(), r.bodyAsString());

      // a member that takes the command and never answers: named once the timeout is over
      outsider.vertx.eventBus().consumer("gateway.internal.users." + outsiderId, m -> { })
          .completion().await(10, TimeUnit.SECONDS);
      long start = System.nanoTime();
      r = api.connections(a.port, alice);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(new JsonArray().add(new JsonObject().put("node", outsiderId)
          .put("unanswered", "timeout")), r.bodyAsJsonObject().getJsonArray("unanswered"));
      assertEquals(1, UsersApiClient.list(r).size(), r.bodyAsString());
      assertTrue(tookMs >= 1_400, "answered before the node timeout: " + tookMs + " ms");
    }
  }
}
