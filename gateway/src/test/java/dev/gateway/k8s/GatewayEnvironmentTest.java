package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.containerPorts;
import static dev.gateway.k8s.support.K8sAsserts.secretValues;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.config.ConfigLoader;
import dev.gateway.k8s.support.K8sAsserts;
import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The environment the gateway container sees (ConfigMaps, Secrets, env) names only real settings,
 * agrees with the container ports, and is accepted by the gateway's own configuration loader.
 */
class GatewayEnvironmentTest {

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void everyGatewayVariableIsASetting(ManifestSet set) {
    Manifests m = set.load();
    Set<String> known = K8sAsserts.gatewayVariables();
    List<String> names = new ArrayList<>();
    m.container().getEnv().forEach(e -> names.add(e.getName() + " (Deployment env)"));
    for (ConfigMap cm : m.typed(ConfigMap.class)) {
      if (cm.getData() != null) {
        cm.getData().keySet().forEach(k -> names.add(k + " (ConfigMap " + cm.getMetadata().getName() + ")"));
      }
    }
    for (Secret s : m.typed(Secret.class)) {
      secretValues(s).keySet().forEach(k -> names.add(k + " (Secret " + s.getMetadata().getName() + ")"));
    }
    for (String n : names) {
      String var = n.substring(0, n.indexOf(' '));
      if (var.startsWith("GATEWAY_")) {
        assertTrue(known.contains(var), "not a gateway setting: " + n);
      }
    }
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void portsAndSecretsReachTheContainer(ManifestSet set) {
    Manifests m = set.load();
    Map<String, String> env = m.gatewayEnv();
    Map<String, Integer> ports = containerPorts(m.container());
    assertEquals(String.valueOf(ports.get("http")), env.getOrDefault("GATEWAY_PORT", "8080"), "GATEWAY_PORT");
    assertEquals(String.valueOf(ports.get("management")), env.get("GATEWAY_MANAGEMENT_PORT"),
        "GATEWAY_MANAGEMENT_PORT: the management port is separate");
    assertEquals(String.valueOf(ports.get("hazelcast")), env.getOrDefault("GATEWAY_CLUSTER_PORT", "5701"),
        "GATEWAY_CLUSTER_PORT");
    assertEquals(String.valueOf(ports.get("eventbus")), env.get("GATEWAY_CLUSTER_EVENTBUS_PORT"),
        "GATEWAY_CLUSTER_EVENTBUS_PORT");
    assertTrue(env.containsKey("GATEWAY_API_KEY") && env.containsKey("GATEWAY_JWT_HS256_SECRET"),
        "secrets reach the container");
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void theGatewayAcceptsItsEnvironment(ManifestSet set) {
    Manifests m = set.load();
    Map<String, String> env = m.gatewayEnv();
    // types, ranges, secret length, cluster discovery; the pod IP comes from the downward API
    Map<String, String> concrete = new HashMap<>(env);
    concrete.put("GATEWAY_CLUSTER_HOST", "10.0.0.10");
    ConfigLoader.fromJson(new JsonObject(), concrete);
    if ("true".equals(env.get("GATEWAY_CLUSTER"))) {
      String dns = env.get("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS");
      assertNotNull(dns, "a clustered deployment discovers peers through the headless Service");
      String ns = m.deployment().getMetadata().getNamespace();
      assertEquals("gateway-cluster." + ns + ".svc.cluster.local", dns, "service DNS names the namespace");
    }
  }
}
