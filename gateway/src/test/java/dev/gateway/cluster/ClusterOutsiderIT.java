package dev.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.ClusterOutsider;
import dev.gateway.support.ProcessCluster;
import dev.gateway.support.TestCluster;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.support.sockjs.StreamingSession;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The attack on a cluster whose name is known: two gateway processes with a cluster secret, and
 * an outsider (a plain clustered Vert.x with the same cluster name and no secret, see
 * {@link ClusterOutsider}) that joins their Hazelcast cluster. It can read the grid and send on
 * the event bus (no event-bus TLS here: this is what the secret alone must hold), yet it finds no
 * SockJS session id in the ownership map, and what it forges (a forwarded {@code send} into a
 * live session's owner, a revoke notice) is dropped and counted by the nodes and reaches no
 * client.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterOutsiderIT {

  static final String JWT_SECRET = "outsider-it-jwt-secret-of-32-characters!";
  static final String UNSIGNED = "gateway_cluster_messages_rejected_total{reason=\"unsigned\"}";
  static final TestCluster GRID = TestCluster.create("outsider");

  @RegisterExtension
  static final ProcessCluster cluster = ProcessCluster.of(2, Map.of(
      "GATEWAY_CLUSTER_NAME", GRID.name(),
      "GATEWAY_CLUSTER_PORT", Integer.toString(GRID.basePort()),
      "GATEWAY_CLUSTER_SECRET", GRID.secret(),
      "GATEWAY_AUTH_MODE", "optional",
      "GATEWAY_JWT_HS256_SECRET", JWT_SECRET));

  static ClusterOutsider outsider;
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void outsiderJoins() {
    outsider = cluster.closeAfter(ClusterOutsider.join(GRID.name(), GRID.basePort(),
        new EventBusOptions()));
    for (int i = 0; i < 2; i++) {
      GatewayProcess n = cluster.node(i);
      assertTrue(n.awaitMetric("gateway_cluster_members", v -> v == 3, 60),
          n.name + " does not see the outsider join: " + n.metric("gateway_cluster_members"));
    }
  }

  @Test
  void theOwnershipMapHoldsNoSessionIdInClear() {
    StreamingSession victim = cluster.closeAfter(SockJsSession.xhrStreaming(cluster.client(),
        cluster.node(0).port));
    String id = sessionId(victim);
    Map<String, String> owners = outsider.hazelcast.<String, String>getMap("gateway.sockjs.owners");
    assertFalse(owners.isEmpty(), "the outsider sees no ownership entry at all");
    owners.forEach((key, value) -> {
      assertFalse(key.contains(id), "the ownership map has the session id as a key: " + key);
      assertFalse(value.contains(id), "the ownership map has the session id in a value: " + value);
    });
  }

  @Test
  void aForgedForwardedSendIsDroppedCountedAndReachesNoSession() throws Exception {
    GatewayProcess owner = cluster.node(0);
    GatewayProcess other = cluster.node(1);
    StreamingSession victim = cluster.closeAfter(SockJsSession.xhrStreaming(cluster.client(),
        owner.port));
    String id = sessionId(victim);
    // the nodes forward for each other: a send through the other node reaches the session
    assertEquals(204, xhrSend(other, victim.sessionPath(), echo("legit-1")));
    assertNotNull(victim.awaitRec("legit-1", 10), "the forwarded send; frames " + victim.frames());

    // the outsider learns the owner's node id from the grid and forges the forwarding message
    String nodeId = ownerNodeId();
    double before = counted(owner);
    JsonObject forged = new JsonObject().put("op", "send").put("id", id).put("client", "127.0.0.1")
        .put("payload", new JsonArray().add(echo("forged-reply")).encode());
    try {
      Object reply = outsider.vertx.eventBus()
          .request("gateway.internal.sockjs." + nodeId, forged, new DeliveryOptions().setSendTimeout(3_000))
          .await(10, TimeUnit.SECONDS).body();
      fail("the owner answered a forged forwarding message: " + reply);
    } catch (Exception expected) {
      // no answer: the owner dropped it
    }
    assertTrue(owner.awaitMetric(UNSIGNED, v -> v >= before + 1, 10),
        "the owner did not count the forged message: " + owner.metric(UNSIGNED));
    assertNull(victim.awaitRec("forged-reply", 3), "the forged send reached the session");

    // and the session is as healthy as before
    assertEquals(204, xhrSend(other, victim.sessionPath(), echo("legit-2")));
    assertNotNull(victim.awaitRec("legit-2", 10), "after the attack; frames " + victim.frames());
    assertNull(victim.closeFrame(), "the session was closed: " + victim.frames());
  }

  @Test
  void aForgedRevokeNoticeClosesNothing() throws Exception {
    JWTAuth signer = JWTAuth.create(cluster.client(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(JWT_SECRET)));
    String jti = "victim-" + UUID.randomUUID();
    String token = signer.generateToken(new JsonObject().put("sub", "ann").put("jti", jti)
        .put("subscribe", new JsonArray().add("chat.*")), new JWTOptions().setExpiresInSeconds(120));
    GatewayProcess node = cluster.node(1);
    BridgeClient victim = cluster.closeAfter(BridgeClient.connect(cluster.client(),
        new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port).setURI("/ws?token=" + token)));
    victim.register("chat.victim");
    double before = counted(node);

    outsider.vertx.eventBus().publish("gateway.internal.revoke",
        new JsonObject().put("jti", jti).put("expiresAtMillis", 0L));

    assertNull(victim.awaitClose(3), "a forged notice closed the connection: " + victim.closeReason());
    assertTrue(node.awaitMetric(UNSIGNED, v -> v >= before + 1, 10),
        "the node did not count the forged notice: " + node.metric(UNSIGNED));
    try (BridgeClient again = BridgeClient.connect(cluster.client(), new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(cluster.node(0).port).setURI("/ws?token=" + token))) {
      again.register("chat.victim"); // the token is not revoked anywhere
    }
  }

  /** The session id of a SockJS session path {@code /eventbus/<server>/<session>}. */
  static String sessionId(StreamingSession s) {
    String path = s.sessionPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The node id an ownership entry names (whatever else the value carries after a dot). */
  static String ownerNodeId() {
    Map<String, String> owners = outsider.hazelcast.<String, String>getMap("gateway.sockjs.owners");
    assertFalse(owners.isEmpty(), "no ownership entry");
    return owners.values().iterator().next().split("\\.")[0];
  }

  static double counted(GatewayProcess node) {
    double v = node.metric(UNSIGNED);
    return Double.isNaN(v) ? 0 : v;
  }

  static String echo(String replyAddress) {
    return new JsonObject().put("type", "send").put("address", "echo")
        .put("body", new JsonObject().put("n", replyAddress)).put("replyAddress", replyAddress).encode();
  }

  /** {@code xhr_send} of one message to the session through the given node; the status. */
  static int xhrSend(GatewayProcess node, String sessionPath, String message) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(node.url() + sessionPath + "/xhr_send"))
        .header("Content-Type", "text/plain;charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonArray().add(message).encode())).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
