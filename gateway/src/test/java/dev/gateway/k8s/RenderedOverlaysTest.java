package dev.gateway.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.Kubectl;
import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import org.junit.jupiter.api.Test;

/**
 * What each overlay makes of the base, as {@code kubectl kustomize} renders it (kubectl 1.21+;
 * these fail without it unless {@code -Dgateway.kubectl.skip=true}, see {@link Kubectl}). The
 * other test classes run every check on the rendered overlays too.
 */
class RenderedOverlaysTest {

  @Test
  void devIsOneNodeWithoutClusterOrAutoscaling() {
    Manifests dev = ManifestSet.DEV.load();
    assertEquals(1, dev.deployment().getSpec().getReplicas(), "dev: 1 replica");
    assertEquals("false", dev.gatewayEnv().get("GATEWAY_CLUSTER"), "dev: GATEWAY_CLUSTER=false");
    assertTrue(dev.typed(HorizontalPodAutoscaler.class).isEmpty(), "dev: no HPA");
  }

  @Test
  void prodIsAnAutoscaledClusterInNamespaceGateway() {
    Manifests prod = ManifestSet.PROD.load();
    assertNull(prod.deployment().getSpec().getReplicas(),
        "prod: the HPA owns the replica count, the Deployment must not pin one");
    assertEquals(1, prod.typed(HorizontalPodAutoscaler.class).size(), "prod: HPA component");
    assertEquals(3, prod.typed(HorizontalPodAutoscaler.class).get(0).getSpec().getMinReplicas(),
        "prod: three replicas at least (HPA minReplicas)");
    assertEquals("true", prod.gatewayEnv().get("GATEWAY_CLUSTER"), "prod: GATEWAY_CLUSTER=true");
    assertEquals("gateway", prod.deployment().getMetadata().getNamespace(), "prod: namespace gateway");
    assertEquals("gateway-cluster.gateway.svc.cluster.local",
        prod.gatewayEnv().get("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS"));
  }

  @Test
  void prodHasTheIngressAndMonitoringComponents() {
    Manifests prod = ManifestSet.PROD.load();
    assertEquals(1, prod.typed(Ingress.class).size(), "prod: ingress component");
    assertEquals(1, prod.structural("ServiceMonitor").size(), "prod: monitoring component");
    assertEquals(1, prod.structural("PrometheusRule").size(), "prod: monitoring component");
    assertEquals("1", prod.configMap("gateway-grafana-dashboard").getMetadata().getLabels().get("grafana_dashboard"),
        "prod: monitoring component's dashboard ConfigMap");
  }
}
