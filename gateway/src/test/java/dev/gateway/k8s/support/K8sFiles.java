package dev.gateway.k8s.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository's {@code k8s/} tree on disk. */
public final class K8sFiles {

  private K8sFiles() {
  }

  public static Path repoRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("gateway/pom.xml"))) {
        return dir;
      }
    }
    return fail("repository root (with gateway/pom.xml) not found above " + Path.of("").toAbsolutePath());
  }

  public static Path k8s() {
    return repoRoot().resolve("k8s");
  }

  /** YAML manifests under dir; {@code tests/} folders hold promtool unit tests, not manifests. */
  public static List<Path> yamlFiles(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).filter(K8sFiles::isYaml)
          .filter(p -> !dir.relativize(p).toString().matches("(.*/)?tests/.*")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean isYaml(Path p) {
    String n = p.getFileName().toString();
    return n.endsWith(".yaml") || n.endsWith(".yml");
  }

  /** Every folder under k8s/ with a kustomization.yaml (base, components, overlays). */
  public static List<Path> kustomizationDirs() {
    try (Stream<Path> s = Files.walk(k8s())) {
      return s.filter(p -> p.getFileName().toString().equals("kustomization.yaml")).map(Path::getParent)
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
