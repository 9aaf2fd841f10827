package dev.gateway.k8s.support;

import static dev.gateway.k8s.support.Yamls.allowedKeys;
import static dev.gateway.k8s.support.Yamls.list;
import static dev.gateway.k8s.support.Yamls.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks one {@code kustomization.yaml} without rendering it: its kind and fields, that every
 * resource, component and generator file it names exists (and is of the right kind), that it
 * lists every YAML file of its folder, and that its patches and replica counts target objects
 * that exist and set only real gateway settings.
 */
public final class Kustomizations {

  private Kustomizations() {
  }

  public static void checkReferences(Path dir) {
    Path k8s = K8sFiles.k8s();
    Path file = dir.resolve("kustomization.yaml");
    String where = k8s.relativize(file).toString();
    Map<String, Object> k = map(new Yaml().load(K8sFiles.read(file)), where);
    Object kind = k.get("kind");
    assertTrue(List.of("Kustomization", "Component").contains(kind), where + ": kind " + kind);
    assertEquals(ManifestParser.STRUCTURAL.get(kind), k.get("apiVersion"), where + ": apiVersion");
    allowedKeys(k, where, "apiVersion", "kind", "namespace", "resources", "components", "patches", "replicas",
        "images", "labels", "commonAnnotations", "configMapGenerator", "secretGenerator", "generatorOptions");
    checkGeneratorFiles(k, dir, where);
    List<String> listed = checkListedPaths(k, dir, where);
    // a YAML file in the folder that no kustomization lists is never deployed
    for (Path f : yamlFilesIn(dir)) {
      String name = f.getFileName().toString();
      if (!name.equals("kustomization.yaml")) {
        assertTrue(listed.contains(name), where + " does not list " + name);
      }
    }
    checkTargets(k, k8s, where);
  }

  private static void checkGeneratorFiles(Map<String, Object> k, Path dir, String where) {
    if (!k.containsKey("configMapGenerator")) {
      return;
    }
    for (Object g : list(k.get("configMapGenerator"), where + " configMapGenerator")) {
      Object files = map(g, where + " configMapGenerator").get("files");
      for (Object f : files == null ? List.of() : list(files, where + " configMapGenerator files")) {
        String source = String.valueOf(f).replaceFirst("^[^=]+=", "");
        assertTrue(Files.isRegularFile(dir.resolve(source)), where + ": configMapGenerator file " + f + " does not exist");
      }
    }
  }

  /** Checks resources and components; returns the file names (not folders) they list. */
  private static List<String> checkListedPaths(Map<String, Object> k, Path dir, String where) {
    List<String> listed = new ArrayList<>();
    for (String key : List.of("resources", "components")) {
      if (!k.containsKey(key)) {
        continue;
      }
      for (Object r : list(k.get(key), where + " " + key)) {
        assertTrue(r instanceof String, where + " " + key + ": " + r);
        Path p = dir.resolve((String) r).normalize();
        assertTrue(Files.exists(p), where + ": " + key + " entry " + r + " does not exist");
        if (Files.isDirectory(p)) {
          assertTrue(Files.isRegularFile(p.resolve("kustomization.yaml")), where + ": " + r + " has no kustomization.yaml");
          Map<String, Object> target = map(new Yaml().load(K8sFiles.read(p.resolve("kustomization.yaml"))), r + "");
          assertEquals(key.equals("components") ? "Component" : "Kustomization", target.get("kind"),
              where + ": " + key + " entry " + r + " is a " + target.get("kind"));
        } else {
          listed.add(p.getFileName().toString());
        }
      }
    }
    return listed;
  }

  /** Patch and replica targets name objects that exist somewhere in base/components. */
  private static void checkTargets(Map<String, Object> k, Path k8s, String where) {
    Set<String> names = new HashSet<>();
    for (Path f : K8sFiles.yamlFiles(k8s)) {
      for (Object o : new Yaml().loadAll(K8sFiles.read(f))) {
        if (o instanceof Map<?, ?> m && m.get("metadata") instanceof Map<?, ?> md && md.get("name") != null) {
          names.add(m.get("kind") + "/" + md.get("name"));
        }
      }
    }
    if (k.containsKey("replicas")) {
      for (Object r : list(k.get("replicas"), where + " replicas")) {
        Map<String, Object> rep = map(r, where + " replicas");
        assertTrue(names.contains("Deployment/" + rep.get("name")), where + ": replicas for unknown " + rep);
        assertTrue(rep.get("count") instanceof Integer, where + ": replicas count");
      }
    }
    if (k.containsKey("patches")) {
      for (Object p : list(k.get("patches"), where + " patches")) {
        Map<String, Object> patch = map(p, where + " patch");
        Map<String, Object> target = map(patch.get("target"), where + " patch target");
        assertTrue(names.contains(target.get("kind") + "/" + target.get("name")),
            where + ": patch target " + target + " does not exist");
        assertTrue(patch.get("patch") instanceof String || patch.get("path") instanceof String, where + " patch body");
        if (patch.get("patch") instanceof String body) {
          assertPatchSettings(body, where);
        }
      }
    }
  }

  /** GATEWAY_* names in a JSON patch are real settings. */
  private static void assertPatchSettings(String body, String where) {
    Set<String> known = K8sAsserts.gatewayVariables();
    Matcher m = Pattern.compile("\\bGATEWAY_[A-Z0-9_]+").matcher(body);
    while (m.find()) {
      assertTrue(known.contains(m.group()), where + ": patch sets " + m.group() + ", not a gateway setting");
    }
  }

  private static List<Path> yamlFilesIn(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(K8sFiles::isYaml).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
