package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.gateway.docs.MetricFamilies.Family;
import dev.gateway.support.ServerCerts;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The families docs/operations/monitoring.md marks "TLS nodes only" are exported, with their
 * documented types and labels, by a node serving TLS ({@link MetricsDocTest} checks that a node
 * without TLS exports everything else and nothing undocumented).
 */
class MetricsDocTlsTest {

  @Test
  void aTlsNodeExportsTheTlsFamilies() {
    Map<String, Family> documented = MetricFamilies.documentedTlsOnly();
    assertFalse(documented.isEmpty(), MetricFamilies.DOC + " marks no family " + MetricFamilies.TLS_ONLY);
    ServerCerts ca = ServerCerts.newAuthority("metrics-doc-ca");
    ServerCerts.Pair pair = ca.issue("metrics", ServerCerts.KeyType.EC);
    try (TestGateway gw = TestGateway.start(new JsonObject().put("server", new JsonObject()
        .put("tls", pair.tlsConfig(10_000))))) {
      Map<String, Family> exported = new TreeMap<>(MetricFamilies.exported(gw.scrape()));
      exported.keySet().retainAll(documented.keySet());
      assertEquals(documented, exported, MetricFamilies.DOC + " and a TLS node's /metrics disagree");
    }
  }
}
