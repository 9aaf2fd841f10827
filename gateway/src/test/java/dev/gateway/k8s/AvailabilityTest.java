package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.assertSelects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The PodDisruptionBudget (always) and the HorizontalPodAutoscaler (autoscaling component). */
class AvailabilityTest {

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void disruptionBudgetOnePodAtATime(ManifestSet set) {
    Manifests m = set.load();
    PodDisruptionBudget pdb = m.one(PodDisruptionBudget.class);
    assertSelects(pdb.getSpec().getSelector(), m.podLabels(), "PDB selector");
    assertEquals(new IntOrString(1), pdb.getSpec().getMaxUnavailable(), "PDB maxUnavailable");
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.WITH_AUTOSCALING)
  void autoscalerOnCpuScalesDownSlowly(ManifestSet set) {
    Manifests m = set.load();
    HorizontalPodAutoscaler h = m.one(HorizontalPodAutoscaler.class);
    var ref = h.getSpec().getScaleTargetRef();
    assertEquals("Deployment", ref.getKind());
    assertEquals("apps/v1", ref.getApiVersion());
    assertEquals(m.deployment().getMetadata().getName(), ref.getName(), "HPA target");
    assertTrue(h.getSpec().getMetrics().stream().anyMatch(mt -> mt.getResource() != null
        && "cpu".equals(mt.getResource().getName())), "HPA on CPU");
    assertNotNull(m.container().getResources().getRequests().get("cpu"), "CPU utilisation needs a CPU request");
    assertEquals(600, h.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds());
    assertFalse(h.getSpec().getBehavior().getScaleDown().getPolicies().isEmpty(), "slow scale-down policy");
    assertTrue(h.getSpec().getMinReplicas() <= h.getSpec().getMaxReplicas());
  }
}
