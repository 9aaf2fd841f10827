package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.assertSelects;
import static dev.gateway.k8s.support.K8sAsserts.resolvePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Only the HTTP port is open to everyone; Hazelcast and the event bus only to gateway pods. */
class NetworkPolicyTest {

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void clusterPortsOnlyFromGatewayPods(ManifestSet set) {
    Manifests m = set.load();
    Container c = m.container();
    NetworkPolicy np = m.one(NetworkPolicy.class);
    assertSelects(np.getSpec().getPodSelector(), m.podLabels(), "NetworkPolicy podSelector");
    assertTrue(np.getSpec().getPolicyTypes().contains("Ingress"));
    Set<Integer> open = new TreeSet<>();
    Set<Integer> peersOnly = new TreeSet<>();
    for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
      assertFalse(r.getPorts().isEmpty(), "a rule without ports opens every port");
      Set<Integer> ports = new TreeSet<>();
      for (NetworkPolicyPort p : r.getPorts()) {
        ports.add(resolvePort(p.getPort(), c));
      }
      if (r.getFrom().isEmpty()) {
        open.addAll(ports);
      } else {
        for (NetworkPolicyPeer peer : r.getFrom()) {
          assertNull(peer.getIpBlock(), "cluster ports: no ipBlock");
          assertNull(peer.getNamespaceSelector(), "cluster ports: same namespace only");
          assertSelects(peer.getPodSelector(), m.podLabels(), "NetworkPolicy peer podSelector");
        }
        peersOnly.addAll(ports);
      }
    }
    assertEquals(Set.of(8080), open, "only 8080 is open to everyone");
    assertEquals(Set.of(5701, 5702), peersOnly, "Hazelcast and event bus only from gateway pods");
  }
}
