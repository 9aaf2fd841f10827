package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.docs.MetricFamilies.Family;
import dev.gateway.support.TestGateway;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The metrics list of docs/operations/monitoring.md is what a running single node exports at
 * {@code /metrics}, both ways: every documented {@code gateway_*} family (except those marked
 * "clustered nodes only") with its type and labels, and no undocumented one.
 * {@link MetricsDocClusterIT} covers a clustered node.
 */
class MetricsDocTest {

  @Test
  void singleNodeExportsExactlyTheDocumentedFamilies() throws Exception {
    Map<String, Family> documented = MetricFamilies.documented(false);
    try (TestGateway gateway = TestGateway.start(MetricsTraffic.CONFIG)) {
      MetricsTraffic traffic = new MetricsTraffic(gateway.port);
      traffic.drive();
      Map<String, Family> exported = traffic.exportedOnceSettled(documented);
      assertEquals(List.of(), MetricFamilies.differences(documented, exported),
          MetricFamilies.DOC + " and a single node's /metrics disagree");
    }
  }
}
