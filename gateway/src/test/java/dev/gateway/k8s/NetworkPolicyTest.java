package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.assertSelects;
import static dev.gateway.k8s.support.K8sAsserts.containerPorts;
import static dev.gateway.k8s.support.K8sAsserts.resolvePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.K8sFiles;
import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may reach which port: the public HTTP port everyone; the management port (metrics, health,
 * the HTTP API) only named pods, Prometheus in its namespace and labelled management clients in
 * this one, never a whole namespace or an address block; Hazelcast and the event bus only
 * gateway pods.
 */
class NetworkPolicyTest {

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void eachPortOnlyFromWhoNeedsIt(ManifestSet set) {
    Manifests m = set.load();
    Container c = m.container();
    NetworkPolicy np = m.one(NetworkPolicy.class);
    assertSelects(np.getSpec().getPodSelector(), m.podLabels(), "NetworkPolicy podSelector");
    assertTrue(np.getSpec().getPolicyTypes().contains("Ingress"));
    Set<Integer> open = new TreeSet<>();
    Map<Integer, List<NetworkPolicyPeer>> peers = new TreeMap<>();
    for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
      assertFalse(r.getPorts().isEmpty(), "a rule without ports opens every port");
      for (NetworkPolicyPort p : r.getPorts()) {
        int port = resolvePort(p.getPort(), c);
        if (r.getFrom().isEmpty()) {
          open.add(port);
        } else {
          peers.computeIfAbsent(port, k -> new ArrayList<>()).addAll(r.getFrom());
        }
      }
    }
    int management = containerPorts(c).get("management");
    assertEquals(Set.of(containerPorts(c).get("http")), open, "only the public port is open to everyone");
    assertEquals(Set.of(5701, 5702, management), peers.keySet(), "ports open to some peers only");
    for (int port : List.of(5701, 5702)) {
      for (NetworkPolicyPeer peer : peers.get(port)) {
        assertNull(peer.getIpBlock(), "cluster ports: no ipBlock");
        assertNull(peer.getNamespaceSelector(), "cluster ports: same namespace only");
        assertSelects(peer.getPodSelector(), m.podLabels(), "cluster port " + port + " peer podSelector");
      }
    }
    managementPeers(peers.get(management));
  }

  /** Named pods only: labelled clients of this namespace, Prometheus pods of the monitoring namespace. */
  private static void managementPeers(List<NetworkPolicyPeer> peers) {
    String docs = K8sFiles.read(K8sFiles.repoRoot().resolve("docs/operations/kubernetes.md"));
    int sameNamespace = 0;
    int monitoring = 0;
    for (NetworkPolicyPeer peer : peers) {
      assertNull(peer.getIpBlock(), "management port: no ipBlock");
      assertNotNull(peer.getPodSelector(), "management port: every peer names its pods (never a whole namespace)");
      Map<String, String> pods = peer.getPodSelector().getMatchLabels();
      assertFalse(pods == null || pods.isEmpty(), "management port: an empty podSelector admits every pod");
      if (peer.getNamespaceSelector() == null) {
        sameNamespace++;
        pods.keySet().forEach(label -> assertTrue(docs.contains(label),
            "docs/operations/kubernetes.md does not tell operators about the label " + label));
      } else {
        monitoring++;
        Map<String, String> ns = peer.getNamespaceSelector().getMatchLabels();
        assertFalse(ns == null || ns.isEmpty(), "management port: a named namespace, not every namespace");
        assertEquals("prometheus", pods.get("app.kubernetes.io/name"), "management port: Prometheus from its namespace");
      }
    }
    assertEquals(1, sameNamespace, "management port: one selector of this namespace's management clients");
    assertEquals(1, monitoring, "management port: one selector of the Prometheus pods");
  }
}
