package dev.gateway.k8s;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.K8sFiles;
import dev.gateway.k8s.support.Kustomizations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kustomization.yaml under k8s/ (base, components, overlays), read without kubectl: no
 * dangling resource, component, generator file, patch or replica target; no unlisted YAML file;
 * patches set only real gateway settings.
 */
class KustomizationTest {

  static Stream<Path> kustomizationDirs() {
    return K8sFiles.kustomizationDirs().stream();
  }

  @Test
  void bothOverlaysAndTheBaseAreKustomizations() {
    List<Path> dirs = K8sFiles.kustomizationDirs();
    for (String dir : List.of("base", "overlays/dev", "overlays/prod")) {
      Path d = K8sFiles.k8s().resolve(dir);
      assertTrue(Files.isRegularFile(d.resolve("kustomization.yaml")), "missing " + d.resolve("kustomization.yaml"));
      assertTrue(dirs.contains(d), d + " not found by the walk of k8s/");
    }
  }

  @ParameterizedTest
  @MethodSource("kustomizationDirs")
  void referencesExistAndEveryFileIsListed(Path dir) {
    Kustomizations.checkReferences(dir);
  }
}
