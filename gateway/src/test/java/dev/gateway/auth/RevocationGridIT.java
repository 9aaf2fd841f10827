package dev.gateway.auth;

import static dev.gateway.auth.JwtAuthTest.handshakeStatus;
import static dev.gateway.auth.JwtAuthTest.token;
import static dev.gateway.auth.JwtAuthTest.ws;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.BridgeClient;
import dev.gateway.support.ProcessCluster;
import dev.gateway.support.TestCluster;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Revocations live in the cluster's data grid: three gateway processes from the jar (two, then
 * one more that starts after the revocation). A token revoked through node 1 is refused by every
 * node, the late one included, and its connection on node 2 is closed; at the bound
 * ({@code GATEWAY_MAX_REVOCATIONS=2}) the next revocation is refused with 507
 * {@code revocation_limit}, never an old one dropped.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RevocationGridIT {

  static final String JWT_SECRET = "revocation-grid-it-jwt-secret-32-chars!";
  static final TestCluster GRID = TestCluster.create("revocations");
  /** The cluster's settings, for the nodes started together and for the late one. */
  static final Map<String, String> ENV = Map.of(
      "GATEWAY_CLUSTER_NAME", GRID.name(),
      "GATEWAY_CLUSTER_PORT", Integer.toString(GRID.basePort()),
      "GATEWAY_CLUSTER_SECRET", GRID.secret(),
      "GATEWAY_AUTH_MODE", "required",
      "GATEWAY_JWT_HS256_SECRET", JWT_SECRET,
      "GATEWAY_JWT_LEEWAY_SECONDS", "0",
      "GATEWAY_MAX_REVOCATIONS", "2");

  @RegisterExtension
  static final ProcessCluster cluster = ProcessCluster.of(2, ENV);

  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void everyNodeRefusesARevokedTokenEvenOneStartedLaterAndTheBoundRefusesTheNext() throws Exception {
    Vertx client = cluster.client();
    JWTAuth signer = JwtAuthTest.hs256(client, JWT_SECRET);
    String jti1 = "grid-1-" + UUID.randomUUID();
    String t1 = token(signer, "HS256", claims(jti1));
    GatewayProcess n1 = cluster.node(0);
    GatewayProcess n2 = cluster.node(1);
    BridgeClient victim = cluster.closeAfter(BridgeClient.connect(client, ws(n2.port, "/ws?token=" + t1)));
    victim.register("chat.grid");

    assertEquals(202, revoke(n1, jti1).statusCode(), "revoke through node 1");
    Short code = victim.awaitClose(10);
    assertNotNull(code, "the token's connection on node 2 was not closed");
    assertEquals(4501, code.intValue(), "close code on node 2");
    assertEquals(401, handshakeStatus(client, ws(n1.port, "/ws?token=" + t1)), "node 1");
    assertTrue(refusedWithin(client, n2, t1, 10), "node 2 still accepts the revoked token");

    // a node that joins after the revocation knows it before it serves
    Map<String, String> late = new HashMap<>(ENV);
    late.put("GATEWAY_CLUSTER", "true");
    late.put("GATEWAY_CLUSTER_HOST", "127.0.0.1");
    late.put("GATEWAY_CLUSTER_FAILURE_DETECTION_MS", Long.toString(ProcessCluster.FAILURE_DETECTION_MS));
    try (GatewayProcess n3 = ProcessCluster.node(GRID.name() + "-late", late).start(90)) {
      assertTrue(n3.awaitMetric("gateway_cluster_members", v -> v == 3, 60), n3.logTail());
      assertEquals(401, handshakeStatus(client, ws(n3.port, "/ws?token=" + t1)),
          "the node started after the revocation accepts the revoked token");
      String t3 = token(signer, "HS256", claims("grid-3-" + UUID.randomUUID()));
      assertEquals(101, handshakeStatus(client, ws(n3.port, "/ws?token=" + t3)), "another token on node 3");

      // the bound: the second revocation fits, the third is refused, the first still holds
      String jti2 = "grid-2-" + UUID.randomUUID();
      assertEquals(202, revoke(n3, jti2).statusCode(), "the second revocation (through node 3)");
      HttpResponse<String> third = revoke(n2, "grid-x-" + UUID.randomUUID());
      assertEquals(507, third.statusCode(), "the third revocation: " + third.body());
      assertEquals("revocation_limit", new JsonObject(third.body()).getString("error"), third.body());
      assertEquals(1.0, n2.metric("gateway_revocations_refused_total"), "refusal counted on node 2");
      for (GatewayProcess n : new GatewayProcess[] {n1, n2, n3}) {
        assertTrue(n.awaitMetric("gateway_revocations", v -> v == 2, 10),
            n.name + " holds " + n.metric("gateway_revocations") + " revocations, not 2");
        assertEquals(401, handshakeStatus(client, ws(n.port, "/ws?token=" + t1)),
            n.name + ": the first revocation was dropped");
      }
    }
  }

  static JsonObject claims(String jti) {
    return new JsonObject().put("sub", "ann").put("jti", jti)
        .put("subscribe", new JsonArray().add("chat.*"));
  }

  /** True once the node refuses the token at the handshake (401), within the time. */
  static boolean refusedWithin(Vertx client, GatewayProcess node, String token, long seconds) {
    return Await.value(() -> handshakeStatus(client, ws(node.port, "/ws?token=" + token)),
        status -> status == 401, seconds) == 401;
  }

  /** {@code POST /api/revoke {"jti"}} from loopback (no API key on these nodes). */
  static HttpResponse<String> revoke(GatewayProcess node, String jti) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(node.url() + "/api/revoke"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("jti", jti).encode())).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
