package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.containerPorts;
import static dev.gateway.k8s.support.K8sAsserts.resolvePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.K8sFiles;
import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Metrics, health and the HTTP API live on a management port of their own in every set: the
 * gateway is told so ({@code GATEWAY_MANAGEMENT_PORT}), only Service gateway-management reaches
 * that port, and the clients' Service reaches the public port only. Probes are checked in
 * {@link DeploymentTest}, the scrape in {@link MonitoringTest}, who may connect in
 * {@link NetworkPolicyTest}, the Ingress in {@link IngressPathsTest}.
 */
class ManagementPortTest {

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void theGatewayServesManagementOnItsOwnPort(ManifestSet set) {
    Manifests m = set.load();
    Map<String, String> env = m.gatewayEnv();
    Map<String, Integer> ports = containerPorts(m.container());
    String management = env.get("GATEWAY_MANAGEMENT_PORT");
    assertEquals(String.valueOf(ports.get("management")), management,
        "GATEWAY_MANAGEMENT_PORT is the container's port \"management\"");
    assertNotEquals(env.getOrDefault("GATEWAY_PORT", "8080"), management, "management port apart from the public one");
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void onlyTheManagementServiceReachesTheManagementPort(ManifestSet set) {
    Manifests m = set.load();
    Container c = m.container();
    int managementPort = containerPorts(c).get("management");
    for (Service s : m.typed(Service.class)) {
      for (ServicePort p : s.getSpec().getPorts()) {
        int target = resolvePort(p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort()), c);
        if (s.getMetadata().getName().equals("gateway-management")) {
          assertEquals(managementPort, target, "Service gateway-management port " + p.getName());
        } else {
          assertNotEquals(managementPort, target,
              "Service " + s.getMetadata().getName() + " exposes the management port (" + p.getName() + ")");
        }
      }
    }
    Service management = m.service("gateway-management");
    assertEquals("ClusterIP", management.getSpec().getType(), "the management Service stays inside the cluster");
    assertEquals(List.of("management"), management.getSpec().getPorts().stream().map(ServicePort::getName).toList());
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void theClientsServiceExposesThePublicPortOnly(ManifestSet set) {
    Manifests m = set.load();
    Service clients = m.service("gateway");
    int http = containerPorts(m.container()).get("http");
    for (ServicePort p : clients.getSpec().getPorts()) {
      assertEquals(http, resolvePort(p.getTargetPort(), m.container()), "Service gateway port " + p.getName());
    }
  }

  /** The operator guide's in-cluster publish example goes to the management Service and port. */
  @Test
  void theDocsPublishThroughTheManagementService() {
    Manifests m = ManifestSet.SOURCES.load();
    String docs = K8sFiles.read(K8sFiles.repoRoot().resolve("docs/operations/kubernetes.md"));
    int port = m.service("gateway-management").getSpec().getPorts().get(0).getPort();
    String url = "http://gateway-management.gateway.svc:" + port + "/api/publish";
    assertTrue(docs.contains(url), "docs/operations/kubernetes.md has no in-cluster publish example with " + url);
  }
}
