package dev.gateway.k8s.support;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The sets of manifests every check runs on: the files of {@code k8s/base} and
 * {@code k8s/components} as written, and each overlay as {@code kubectl kustomize} renders it.
 * Each set says which components it holds, so a check of a component runs where it must be
 * present (and fails if it is not) instead of passing on an empty list. Loaded once per JVM.
 */
public enum ManifestSet {
  SOURCES("k8s/base + k8s/components", null, EnumSet.allOf(Component.class)),
  DEV("overlays/dev (rendered)", "overlays/dev", EnumSet.noneOf(Component.class)),
  PROD("overlays/prod (rendered)", "overlays/prod", EnumSet.allOf(Component.class));

  /** {@code @MethodSource} names for the sets a check applies to. */
  public static final String ALL = "dev.gateway.k8s.support.ManifestSet#all";
  public static final String WITH_AUTOSCALING = "dev.gateway.k8s.support.ManifestSet#withAutoscaling";
  public static final String WITH_INGRESS = "dev.gateway.k8s.support.ManifestSet#withIngress";
  public static final String WITH_MONITORING = "dev.gateway.k8s.support.ManifestSet#withMonitoring";

  /** The optional parts under {@code k8s/components}. */
  public enum Component { AUTOSCALING, INGRESS, MONITORING }

  private static final Map<ManifestSet, Manifests> LOADED = new EnumMap<>(ManifestSet.class);

  private final String label;
  private final String overlay;
  private final Set<Component> components;

  ManifestSet(String label, String overlay, Set<Component> components) {
    this.label = label;
    this.overlay = overlay;
    this.components = components;
  }

  public boolean has(Component c) {
    return components.contains(c);
  }

  public boolean rendered() {
    return overlay != null;
  }

  /** The documents of this set; a rendered overlay needs kubectl ({@link Kubectl}). */
  public synchronized Manifests load() {
    Manifests m = LOADED.get(this);
    if (m == null) {
      m = new Manifests(label, rendered() ? render() : sources());
      LOADED.put(this, m);
    }
    return m;
  }

  private List<Doc> render() {
    return ManifestParser.parse(label, Kubectl.kustomize(K8sFiles.k8s().resolve(overlay)));
  }

  private static List<Doc> sources() {
    Path k8s = K8sFiles.k8s();
    List<Doc> docs = new ArrayList<>();
    for (String dir : List.of("base", "components")) {
      List<Path> files = K8sFiles.yamlFiles(k8s.resolve(dir));
      assertFalse(files.isEmpty(), "no YAML under k8s/" + dir);
      for (Path f : files) {
        docs.addAll(ManifestParser.parse(k8s.relativize(f).toString(), K8sFiles.read(f)));
      }
    }
    return docs;
  }

  /** Every set (a {@code @MethodSource} for checks that apply everywhere). */
  public static Stream<ManifestSet> all() {
    return Stream.of(values());
  }

  public static Stream<ManifestSet> withAutoscaling() {
    return with(Component.AUTOSCALING);
  }

  public static Stream<ManifestSet> withIngress() {
    return with(Component.INGRESS);
  }

  public static Stream<ManifestSet> withMonitoring() {
    return with(Component.MONITORING);
  }

  private static Stream<ManifestSet> with(Component c) {
    return all().filter(s -> s.has(c));
  }

  @Override
  public String toString() {
    return label;
  }
}
