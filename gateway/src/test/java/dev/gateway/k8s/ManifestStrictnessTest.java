package dev.gateway.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.k8s.support.Doc;
import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import dev.gateway.k8s.support.Yamls;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest is a known kind at its apiVersion, deserialises into its typed fabric8 model with
 * no unknown field anywhere, appears once, and lives in one namespace with its Namespace object.
 */
class ManifestStrictnessTest {

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void typedWithoutUnknownFieldsAndNoDuplicates(ManifestSet set) {
    set.load().assertStrict();
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void allObjectsInOneNamespace(ManifestSet set) {
    Manifests m = set.load();
    Set<String> namespaces = new HashSet<>();
    for (Doc d : m.docs()) {
      if (d.typed() instanceof HasMetadata h && !(h instanceof Namespace)) {
        namespaces.add(String.valueOf(h.getMetadata().getNamespace()));
      }
    }
    for (String kind : new String[] {"ServiceMonitor", "PrometheusRule"}) {
      m.structural(kind).forEach(d -> namespaces.add(String.valueOf(
          Yamls.map(d.map().get("metadata"), "metadata").get("namespace"))));
    }
    assertEquals(1, namespaces.size(), "all objects in one namespace: " + namespaces);
    for (Namespace ns : m.typed(Namespace.class)) {
      assertEquals(namespaces.iterator().next(), ns.getMetadata().getName(), "Namespace object vs objects'");
    }
  }

  @Test
  void sourcesHoldEveryComponentOnce() {
    Manifests m = ManifestSet.SOURCES.load();
    assertEquals(1, m.typed(HorizontalPodAutoscaler.class).size(), "one HPA");
    assertEquals(1, m.typed(Ingress.class).size(), "one Ingress");
    assertEquals(1, m.structural("ServiceMonitor").size(), "one ServiceMonitor");
    assertEquals(1, m.structural("PrometheusRule").size(), "one PrometheusRule");
    assertEquals(1, m.typed(PodDisruptionBudget.class).size(), "one PDB");
    assertEquals(1, m.typed(NetworkPolicy.class).size(), "one NetworkPolicy");
  }
}
