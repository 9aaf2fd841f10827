package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.assertSelects;
import static dev.gateway.k8s.support.K8sAsserts.containerPorts;
import static dev.gateway.k8s.support.K8sAsserts.resolvePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The gateway Deployment in every set: rollout, ports, probes, shutdown, resources, security. */
class DeploymentTest {

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void rollsOutOnePodAtATime(ManifestSet set) {
    Manifests m = set.load();
    Deployment d = m.deployment();
    assertEquals("gateway", d.getMetadata().getName());
    assertEquals("gateway", m.podLabels().get(Manifests.POD_LABEL), "pod label " + Manifests.POD_LABEL);
    assertSelects(d.getSpec().getSelector(), m.podLabels(), "Deployment selector");
    assertEquals("RollingUpdate", d.getSpec().getStrategy().getType());
    assertEquals(new IntOrString(0), d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable());
    assertEquals(new IntOrString(1), d.getSpec().getStrategy().getRollingUpdate().getMaxSurge());
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void drainsBeforeItIsKilled(ManifestSet set) {
    Manifests m = set.load();
    assertEquals(60L, m.podSpec().getTerminationGracePeriodSeconds());
    Container c = m.container();
    assertNotNull(c.getLifecycle().getPreStop().getExec(), "preStop exec");
    assertEquals(List.of("sleep", "5"), c.getLifecycle().getPreStop().getExec().getCommand());
  }

  /** Probes go to the management port: health is not served on the public port. */
  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void portsAndProbesHitTheGatewaysEndpoints(ManifestSet set) {
    Container c = set.load().container();
    assertEquals(Map.of("http", 8080, "management", 9090, "hazelcast", 5701, "eventbus", 5702), containerPorts(c),
        "container ports");
    probe(c.getStartupProbe(), "/health/ready", "startupProbe", c);
    probe(c.getReadinessProbe(), "/health/ready", "readinessProbe", c);
    probe(c.getLivenessProbe(), "/health/live", "livenessProbe", c);
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void requestsAndLimits(ManifestSet set) {
    Container c = set.load().container();
    assertNotNull(c.getResources().getRequests().get("cpu"), "cpu request");
    assertNotNull(c.getResources().getRequests().get("memory"), "memory request");
    assertNotNull(c.getResources().getLimits().get("memory"), "memory limit");
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void nonRootReadOnlyNoCapabilities(ManifestSet set) {
    Manifests m = set.load();
    PodSpec ps = m.podSpec();
    assertEquals(Boolean.TRUE, ps.getSecurityContext().getRunAsNonRoot(), "pod runAsNonRoot");
    SecurityContext sc = m.container().getSecurityContext();
    assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), "allowPrivilegeEscalation");
    assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), "readOnlyRootFilesystem");
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), "capabilities drop ALL");
    String seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
        : ps.getSecurityContext().getSeccompProfile().getType();
    assertEquals("RuntimeDefault", seccomp);
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void writableTmpOnAReadOnlyRoot(ManifestSet set) {
    Manifests m = set.load();
    PodSpec ps = m.podSpec();
    Container c = m.container();
    VolumeMount tmp = c.getVolumeMounts().stream().filter(v -> "/tmp".equals(v.getMountPath())).findFirst()
        .orElseGet(() -> fail("no volume mounted at /tmp"));
    Volume vol = ps.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).findFirst()
        .orElseGet(() -> fail("volume " + tmp.getName() + " not declared"));
    assertNotNull(vol.getEmptyDir(), "/tmp is an emptyDir");
    for (VolumeMount vm : c.getVolumeMounts()) {
      assertTrue(ps.getVolumes().stream().anyMatch(v -> v.getName().equals(vm.getName())),
          "volumeMount " + vm.getName() + " has no volume");
    }
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void clusterHostIsThePodIp(ManifestSet set) {
    EnvVar host = set.load().container().getEnv().stream().filter(e -> e.getName().equals("GATEWAY_CLUSTER_HOST"))
        .findFirst().orElseGet(() -> fail("GATEWAY_CLUSTER_HOST not set"));
    assertEquals("status.podIP", host.getValueFrom().getFieldRef().getFieldPath(), "cluster host = pod IP");
  }

  private static void probe(Probe p, String path, String what, Container c) {
    assertNotNull(p, what);
    assertNotNull(p.getHttpGet(), what + " httpGet");
    assertEquals(path, p.getHttpGet().getPath(), what + " path");
    assertEquals(9090, resolvePort(p.getHttpGet().getPort(), c), what + " port: the management port");
  }
}
