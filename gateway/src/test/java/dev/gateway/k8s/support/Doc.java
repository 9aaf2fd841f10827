package dev.gateway.k8s.support;

import java.util.Map;

/**
 * One YAML document of a manifest: where it came from, its raw mapping, and its typed fabric8
 * model ({@code null} for the kinds checked structurally, see {@link ManifestParser}).
 */
public record Doc(String source, Map<String, Object> map, Object typed) {

  public String kind() {
    return (String) map.get("kind");
  }

  public String name() {
    Object md = map.get("metadata");
    return md instanceof Map<?, ?> m ? (String) m.get("name") : null;
  }

  /** Kustomize's own files (Kustomization, Component): not objects sent to the API server. */
  public boolean isKustomize() {
    return "Kustomization".equals(kind()) || "Component".equals(kind());
  }

  @Override
  public String toString() {
    return kind() + "/" + name() + " (" + source + ")";
  }
}
