package dev.gateway.k8s.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One set of documents (base + components as written, or one rendered overlay) and the objects
 * the tests look up in it. Lookups fail with a message when the object is missing.
 */
public final class Manifests {

  public static final String POD_LABEL = "app.kubernetes.io/name";

  private final String name;
  private final List<Doc> docs;

  public Manifests(String name, List<Doc> docs) {
    this.name = name;
    this.docs = List.copyOf(docs);
  }

  public List<Doc> docs() {
    return docs;
  }

  /** Every typed object of the class (fabric8 model). */
  public <T> List<T> typed(Class<T> type) {
    return docs.stream().filter(d -> type.isInstance(d.typed())).map(d -> type.cast(d.typed())).toList();
  }

  /** Every document of a kind without a model (ServiceMonitor, PrometheusRule, ...). */
  public List<Doc> structural(String kind) {
    return docs.stream().filter(d -> kind.equals(d.kind()) && d.typed() == null).toList();
  }

  /** The one object of a class: fails when there is none or more than one. */
  public <T> T one(Class<T> type) {
    List<T> all = typed(type);
    assertEquals(1, all.size(), name + ": exactly one " + type.getSimpleName());
    return all.get(0);
  }

  public Deployment deployment() {
    return one(Deployment.class);
  }

  public PodSpec podSpec() {
    return deployment().getSpec().getTemplate().getSpec();
  }

  public Container container() {
    List<Container> cs = podSpec().getContainers();
    assertEquals(1, cs.size(), "one container in the gateway pod");
    return cs.get(0);
  }

  public Map<String, String> podLabels() {
    return deployment().getSpec().getTemplate().getMetadata().getLabels();
  }

  public ConfigMap configMap(String name) {
    return named(ConfigMap.class, name, this.name + ": no ConfigMap " + name);
  }

  public Service service(String name) {
    return named(Service.class, name, this.name + ": no Service " + name);
  }

  private <T extends HasMetadata> T named(Class<T> type, String name, String otherwise) {
    return typed(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst()
        .orElseGet(() -> fail(otherwise));
  }

  /** The environment the container sees (envFrom ConfigMaps and Secrets, then env values). */
  public Map<String, String> gatewayEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    Container c = container();
    for (EnvFromSource from : c.getEnvFrom()) {
      assertNull(from.getPrefix(), "envFrom prefix would rename the GATEWAY_* variables");
      if (from.getConfigMapRef() != null) {
        String cm = from.getConfigMapRef().getName();
        Map<String, String> data = named(ConfigMap.class, cm,
            "envFrom names ConfigMap " + cm + " which is not in the manifests").getData();
        if (data != null) {
          env.putAll(data);
        }
      }
      if (from.getSecretRef() != null) {
        String secret = from.getSecretRef().getName();
        env.putAll(K8sAsserts.secretValues(named(Secret.class, secret,
            "envFrom names Secret " + secret + " which is not in the manifests")));
      }
    }
    for (EnvVar e : c.getEnv()) {
      env.put(e.getName(), e.getValue() != null ? e.getValue() : "<from " + e.getName() + ">");
    }
    return env;
  }

  /** Every typed document is free of unknown fields, and no object appears twice. */
  public void assertStrict() {
    assertFalse(docs.isEmpty(), name + ": no documents");
    for (Doc d : docs) {
      if (d.typed() != null) {
        ManifestParser.assertNoUnknownFields(d.typed(), d.toString());
      }
    }
    Set<String> seen = new HashSet<>();
    for (Doc d : docs) {
      if (!d.isKustomize()) {
        assertTrue(seen.add(d.kind() + "/" + d.name()), "duplicate object " + d);
      }
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
