package dev.gateway.k8s.support;

import static dev.gateway.k8s.support.Yamls.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * Strict reading of Kubernetes YAML: every document of a known kind deserialises into its typed
 * fabric8 model with the expected apiVersion; the kinds without a model here are kept as maps
 * (their tests check them field by field); any other kind fails. {@link #assertNoUnknownFields}
 * fails on a field no model knows (fabric8 keeps those in {@code additionalProperties}).
 */
public final class ManifestParser {

  public static final ObjectMapper MAPPER = new ObjectMapper();

  /** Typed kinds: kind -> (apiVersion, model class). */
  private static final Map<String, Map.Entry<String, Class<? extends HasMetadata>>> TYPED = Map.of(
      "Namespace", Map.entry("v1", Namespace.class),
      "ConfigMap", Map.entry("v1", ConfigMap.class),
      "Secret", Map.entry("v1", Secret.class),
      "Service", Map.entry("v1", Service.class),
      "Deployment", Map.entry("apps/v1", Deployment.class),
      "PodDisruptionBudget", Map.entry("policy/v1", PodDisruptionBudget.class),
      "NetworkPolicy", Map.entry("networking.k8s.io/v1", NetworkPolicy.class),
      "Ingress", Map.entry("networking.k8s.io/v1", Ingress.class),
      "HorizontalPodAutoscaler", Map.entry("autoscaling/v2", HorizontalPodAutoscaler.class));

  /** Kinds without a model here: checked structurally as maps. */
  public static final Map<String, String> STRUCTURAL = Map.of(
      "Kustomization", "kustomize.config.k8s.io/v1beta1",
      "Component", "kustomize.config.k8s.io/v1alpha1",
      "ServiceMonitor", "monitoring.coreos.com/v1",
      "PrometheusRule", "monitoring.coreos.com/v1");

  private ManifestParser() {
  }

  /** Every document of a (multi-document) YAML text; {@code source} names it in failures. */
  public static List<Doc> parse(String source, String yamlText) {
    List<Doc> out = new ArrayList<>();
    int i = 0;
    for (Object o : new Yaml().loadAll(new StringReader(yamlText))) {
      i++;
      if (o != null) {
        out.add(document(source, source + " #" + i, map(o, source + " #" + i)));
      }
    }
    return out;
  }

  private static Doc document(String source, String where, Map<String, Object> map) {
    Object kind = map.get("kind");
    Object apiVersion = map.get("apiVersion");
    assertTrue(kind instanceof String, where + ": no kind");
    assertTrue(apiVersion instanceof String, where + ": no apiVersion");
    Object typed = null;
    if (TYPED.containsKey(kind)) {
      var t = TYPED.get(kind);
      assertEquals(t.getKey(), apiVersion, where + ": apiVersion of " + kind);
      try {
        typed = MAPPER.convertValue(map, t.getValue());
      } catch (IllegalArgumentException e) {
        fail(where + ": not a valid " + kind + ": " + e.getMessage(), e);
      }
      assertNotNull(((HasMetadata) typed).getMetadata().getName(), where + ": no metadata.name");
    } else if (STRUCTURAL.containsKey(kind)) {
      assertEquals(STRUCTURAL.get(kind), apiVersion, where + ": apiVersion of " + kind);
      if (!List.of("Kustomization", "Component").contains(kind)) {
        assertNotNull(map(map.get("metadata"), where + " metadata").get("name"), where + ": no metadata.name");
      }
    } else {
      fail(where + ": unknown kind " + kind + " (add it to ManifestParser with its model)");
    }
    return new Doc(source, map, typed);
  }

  /** Fails on any fabric8 object anywhere in the graph that collected unknown fields. */
  public static void assertNoUnknownFields(Object root, String where) {
    walk(root, where, new IdentityHashMap<>());
  }

  private static void walk(Object o, String path, IdentityHashMap<Object, Boolean> seen) {
    if (o == null || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        walk(e.getValue(), path + "." + e.getKey(), seen);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method method : o.getClass().getMethods()) {
      if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())
          || !method.getName().startsWith("get") || method.getName().equals("getClass")
          || method.getReturnType().isPrimitive()) {
        continue;
      }
      Object value;
      try {
        value = method.invoke(o);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new AssertionError(path + ": " + method.getName() + " failed: " + e.getCause(), e);
      }
      if (method.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          fail(path + " (" + o.getClass().getSimpleName() + "): unknown field(s) " + extra.keySet());
        }
        continue;
      }
      String field = Character.toLowerCase(method.getName().charAt(3)) + method.getName().substring(4);
      walk(value, path + "." + field, seen);
    }
  }
}
