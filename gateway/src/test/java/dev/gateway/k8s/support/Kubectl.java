package dev.gateway.k8s.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code kubectl kustomize}, which renders the overlays. kubectl 1.21 or later is required (older
 * ones cannot render kustomize {@code components:}); without it the overlay checks fail with a
 * message saying what to install, unless {@code -Dgateway.kubectl.skip=true} leaves them out
 * (they are then reported as skipped, never as passed).
 */
public final class Kubectl {

  /** The switch that leaves the rendered-overlay checks out when kubectl is not installed. */
  public static final String SKIP_PROPERTY = "gateway.kubectl.skip";
  static final int MIN_MINOR = 21;

  private static Path found;

  private Kubectl() {
  }

  /** The rendered overlay ({@code kubectl kustomize DIR}). */
  public static String kustomize(Path dir) {
    return run(List.of(require().toString(), "kustomize", dir.toString()));
  }

  /** kubectl on the PATH at version 1.21 or later; aborts the test under the skip switch, fails otherwise. */
  static synchronized Path require() {
    if (Boolean.getBoolean(SKIP_PROPERTY)) {
      Assumptions.abort("rendered overlays left out by -D" + SKIP_PROPERTY + "=true");
    }
    if (found == null) {
      Path kubectl = onPath("kubectl");
      if (kubectl == null) {
        fail(missing("kubectl is not on the PATH"));
      }
      JsonNode version;
      try {
        version = ManifestParser.MAPPER.readTree(run(List.of(kubectl.toString(), "version", "--client", "-o", "json")))
            .path("clientVersion");
      } catch (IOException e) {
        throw new AssertionError(missing(kubectl + " version --client -o json printed no JSON: " + e.getMessage()), e);
      }
      int major = leadingInt(version.path("major").asText());
      int minor = leadingInt(version.path("minor").asText());
      if (major < 1 || (major == 1 && minor < MIN_MINOR)) {
        fail(missing(kubectl + " is version " + major + "." + minor));
      }
      found = kubectl;
    }
    return found;
  }

  static String missing(String what) {
    return what + ": kubectl 1." + MIN_MINOR + " or later is needed to render k8s/overlays (kustomize components)."
        + " Install it (https://kubernetes.io/docs/tasks/tools/; Debian's kubernetes-client 1.20 is too old),"
        + " or leave the rendered-overlay checks out with -D" + SKIP_PROPERTY + "=true";
  }

  private static int leadingInt(String s) {
    String digits = s.replaceFirst("^(\\d*).*$", "$1");
    return digits.isEmpty() ? -1 : Integer.parseInt(digits);
  }

  private static Path onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d, exe);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).start();
      byte[] out;
      byte[] err;
      try (InputStream o = p.getInputStream(); InputStream e = p.getErrorStream()) {
        out = o.readAllBytes();
        err = e.readAllBytes();
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
      assertEquals(0, p.exitValue(), String.join(" ", command) + " failed: " + new String(err, StandardCharsets.UTF_8));
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(String.join(" ", command) + " interrupted", e);
    }
  }
}
