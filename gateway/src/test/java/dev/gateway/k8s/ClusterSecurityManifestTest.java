package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.resolvePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.K8sFiles;
import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cluster's security in the manifests: the production overlay gives every pod the cluster
 * secret and event-bus TLS files from a mounted Kubernetes Secret (documented: how to create
 * it), and wherever the gateway runs, the ports Hazelcast and the event bus really use are the
 * ones the NetworkPolicy opens to gateway pods only, never to everyone.
 */
class ClusterSecurityManifestTest {

  static final List<String> TLS_FILES = List.of("GATEWAY_CLUSTER_TLS_CERT_FILE",
      "GATEWAY_CLUSTER_TLS_KEY_FILE", "GATEWAY_CLUSTER_TLS_CA_FILE");

  @Test
  void prodGivesEveryPodTheClusterSecretAndEventBusTlsFromASecretVolume() {
    Manifests prod = ManifestSet.PROD.load();
    Map<String, String> env = prod.gatewayEnv();
    String secret = env.get("GATEWAY_CLUSTER_SECRET");
    assertNotNull(secret, "prod: GATEWAY_CLUSTER_SECRET reaches the container");
    assertTrue(secret.length() >= 32, "prod: the cluster secret (placeholder) is at least 32 characters");
    Container c = prod.container();
    for (String name : TLS_FILES) {
      String file = env.get(name);
      assertNotNull(file, "prod: " + name + " is set");
      VolumeMount mount = c.getVolumeMounts().stream()
          .filter(m -> file.startsWith(m.getMountPath() + "/")).findFirst()
          .orElseThrow(() -> new AssertionError(name + "=" + file + " is on no mounted volume"));
      assertEquals(Boolean.TRUE, mount.getReadOnly(), "mount " + mount.getName() + " read-only");
      Volume volume = prod.podSpec().getVolumes().stream()
          .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
      assertNotNull(volume.getSecret(), name + ": volume " + volume.getName() + " is a Secret");
      String inVolume = file.substring(mount.getMountPath().length() + 1);
      List<KeyToPath> items = volume.getSecret().getItems();
      assertTrue(items == null || items.stream().anyMatch(i -> i.getPath().equals(inVolume)),
          name + ": the Secret volume holds no " + inVolume);
      Integer mode = volume.getSecret().getDefaultMode();
      assertTrue(mode != null && (mode & 0007) == 0, "Secret volume files not readable by others: " + mode);
    }
    String secretName = prod.podSpec().getVolumes().stream()
        .filter(v -> v.getSecret() != null).map(v -> v.getSecret().getSecretName()).findFirst().orElseThrow();
    String guide = K8sFiles.read(K8sFiles.repoRoot().resolve("docs/operations/kubernetes.md"));
    assertTrue(guide.contains("kubectl -n gateway create secret generic " + secretName),
        "docs/operations/kubernetes.md shows how to create the Secret " + secretName);
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void theClusterPortsInUseAreOpenToGatewayPodsOnly(ManifestSet set) {
    Manifests m = set.load();
    Map<String, String> env = m.gatewayEnv();
    int hazelcast = Integer.parseInt(env.getOrDefault("GATEWAY_CLUSTER_PORT", "5701"));
    String eventBus = env.get("GATEWAY_CLUSTER_EVENTBUS_PORT");
    assertNotNull(eventBus, "the event-bus port is fixed (a NetworkPolicy cannot open a random one)");
    assertNotEquals("0", eventBus, "the event-bus port is fixed (a NetworkPolicy cannot open a random one)");
    Set<Integer> clusterPorts = Set.of(hazelcast, Integer.parseInt(eventBus));
    Container c = m.container();
    NetworkPolicy np = m.one(NetworkPolicy.class);
    Set<Integer> open = new TreeSet<>();
    Set<Integer> peersOnly = new TreeSet<>();
    for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
      Set<Integer> ports = new TreeSet<>();
      for (NetworkPolicyPort p : r.getPorts()) {
        ports.add(resolvePort(p.getPort(), c));
      }
      if (r.getPorts().isEmpty()) {
        ports.addAll(clusterPorts); // a rule without ports opens every port
      }
      boolean gatewayPodsOnly = !r.getFrom().isEmpty() && r.getFrom().stream().allMatch(peer ->
          peer.getIpBlock() == null && peer.getNamespaceSelector() == null && peer.getPodSelector() != null
              && peer.getPodSelector().getMatchLabels() != null
              && "gateway".equals(peer.getPodSelector().getMatchLabels().get(Manifests.POD_LABEL)));
      (gatewayPodsOnly ? peersOnly : open).addAll(ports);
    }
    assertTrue(peersOnly.containsAll(clusterPorts),
        set + ": the cluster ports " + clusterPorts + " are not open to gateway pods: " + peersOnly);
    assertFalse(open.stream().anyMatch(clusterPorts::contains),
        set + ": a cluster port is open beyond gateway pods: " + open);
  }
}
