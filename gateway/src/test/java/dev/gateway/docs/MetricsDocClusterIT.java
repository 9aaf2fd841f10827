package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.TestCluster;
import dev.gateway.support.TestGateway;
import dev.gateway.docs.MetricFamilies.Family;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The metrics list of docs/operations/monitoring.md is what a clustered node exports at
 * {@code /metrics}, both ways, the families marked "clustered nodes only" included (a cluster of
 * one node, with a cluster name and ports of its own).
 */
class MetricsDocClusterIT {

  @Test
  void clusteredNodeExportsExactlyTheDocumentedFamilies() throws Exception {
    Map<String, Family> documented = MetricFamilies.documented(true);
    try (TestGateway node = TestGateway.startClustered("docs-1",
        TestCluster.create(getClass().getSimpleName()), MetricsTraffic.CONFIG)) {
      MetricsTraffic traffic = new MetricsTraffic(node.port);
      traffic.drive();
      Map<String, Family> exported = traffic.exportedOnceSettled(documented);
      assertEquals(List.of(), MetricFamilies.differences(documented, exported),
          MetricFamilies.DOC + " and a clustered node's /metrics disagree");
    }
  }
}
