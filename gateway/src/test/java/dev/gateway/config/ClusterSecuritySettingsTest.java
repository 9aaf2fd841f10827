package dev.gateway.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Validation of the cluster's security settings: no clustering without a secret (unless
 * explicitly insecure), secrets of at least 32 characters, the event-bus TLS files all three or
 * none, and a positive revocation bound.
 */
class ClusterSecuritySettingsTest {

  static final String SECRET = "a-cluster-secret-of-at-least-32-chars";

  static Map<String, String> clustered(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("GATEWAY_CLUSTER", "true");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  static void fails(Map<String, String> env, String... mentioned) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.fromJson(new JsonObject(), env));
    for (String m : mentioned) {
      assertTrue(e.getMessage().contains(m), "message '" + e.getMessage() + "' should name " + m);
    }
  }

  static void loads(Map<String, String> env) {
    assertDoesNotThrow(() -> ConfigLoader.fromJson(new JsonObject(), env));
  }

  @Test
  void clusteringWithoutASecretIsRefusedWithAMessageSayingWhatToSet() {
    fails(clustered(), "cluster.secret", "GATEWAY_CLUSTER_SECRET", "cluster.insecure");
  }

  @Test
  void clusteringWithASecretOrExplicitlyInsecureLoads() {
    loads(clustered("GATEWAY_CLUSTER_SECRET", SECRET));
    loads(clustered("GATEWAY_CLUSTER_INSECURE", "true"));
    loads(Map.of()); // a single node needs no secret
  }

  @Test
  void aShortSecretIsRefused() {
    fails(clustered("GATEWAY_CLUSTER_SECRET", "x".repeat(31)), "cluster.secret", "32");
    fails(Map.of("GATEWAY_CLUSTER_SECRET", "short"), "cluster.secret", "32");
  }

  @ParameterizedTest
  @CsvSource({"/c.pem,,", ",/k.pem,", ",,/ca.pem", "/c.pem,/k.pem,", ",/k.pem,/ca.pem"})
  void theTlsFilesGoTogether(String cert, String key, String ca) {
    Map<String, String> env = clustered("GATEWAY_CLUSTER_SECRET", SECRET);
    put(env, "GATEWAY_CLUSTER_TLS_CERT_FILE", cert);
    put(env, "GATEWAY_CLUSTER_TLS_KEY_FILE", key);
    put(env, "GATEWAY_CLUSTER_TLS_CA_FILE", ca);
    fails(env, "cluster.tls.certFile", "cluster.tls.keyFile", "cluster.tls.caFile");
  }

  @Test
  void allThreeTlsFilesLoadFromAFileToo() {
    loads(clustered("GATEWAY_CLUSTER_SECRET", SECRET, "GATEWAY_CLUSTER_TLS_CERT_FILE", "/c.pem",
        "GATEWAY_CLUSTER_TLS_KEY_FILE", "/k.pem", "GATEWAY_CLUSTER_TLS_CA_FILE", "/ca.pem"));
    JsonObject file = new JsonObject().put("cluster", new JsonObject().put("enabled", true)
        .put("secret", SECRET).put("tls", new JsonObject().put("certFile", "/c.pem")
            .put("keyFile", "/k.pem").put("caFile", "/ca.pem")));
    assertDoesNotThrow(() -> ConfigLoader.fromJson(file, Map.of()));
  }

  @ParameterizedTest
  @CsvSource({"0", "-1"})
  void theRevocationBoundMustBePositive(String max) {
    fails(Map.of("GATEWAY_MAX_REVOCATIONS", max), "auth.maxRevocations");
  }

  private static void put(Map<String, String> env, String name, String value) {
    if (value != null) {
      env.put(name, value);
    }
  }
}
