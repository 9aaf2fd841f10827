package dev.gateway.k8s.image;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The gateway running in a working container of the image: {@code buildah from}, then
 * {@code buildah run --isolation chroot} of the image's entrypoint as the image's user with the
 * image's environment (plus the given variables), capabilities dropped. {@link #close()} stops
 * what it started (the JVM, then buildah) and removes the working container.
 */
final class GatewayContainer implements AutoCloseable {

  private final String container;
  private final Process buildah;
  private final Path stderr;

  private GatewayContainer(String container, Process buildah, Path stderr) {
    this.container = container;
    this.buildah = buildah;
    this.stderr = stderr;
  }

  static GatewayContainer start(String image, ImageConfig config, Map<String, String> extraEnv, Path logDir)
      throws IOException, InterruptedException {
    String name = "gateway-image-check-" + ProcessHandle.current().pid();
    // a leftover of an interrupted run has this name (this JVM's pid); none is the usual case
    Commands.exec(List.of("buildah", "rm", name), Duration.ofMinutes(1), logDir.resolve("buildah.log"));
    String container = Commands.run(List.of("buildah", "from", "--name", name, image), Duration.ofMinutes(2),
        logDir.resolve("buildah.log")).strip();
    List<String> cmd = new ArrayList<>(List.of("buildah", "run", "--isolation", "chroot", "--cap-drop", "all",
        "--user", config.user(), "--workingdir", config.workingDir()));
    extraEnv.forEach((k, v) -> cmd.addAll(List.of("--env", k + "=" + v)));
    cmd.add(container);
    cmd.add("--");
    cmd.addAll(config.command());
    Path stdout = logDir.resolve("gateway.out");
    Path stderr = logDir.resolve("gateway.err");
    Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    return new GatewayContainer(container, p, stderr);
  }

  /** The JVM inside the container (a descendant of buildah run whose command is java). */
  ProcessHandle jvm() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Optional<ProcessHandle> java = findJvm();
      if (java.isPresent()) {
        return java.get();
      }
      assertTrue(buildah.isAlive(), "buildah run exited (" + exitCodeOrNull() + "): " + stderr());
      sleep(50);
    }
    return fail("no java process under buildah run after 30 s: " + stderr());
  }

  private Optional<ProcessHandle> findJvm() {
    return buildah.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .findFirst();
  }

  boolean running() {
    return buildah.isAlive();
  }

  /** Waits for buildah run to end; its exit status is the container process's. */
  Integer awaitExit(Duration timeout) throws InterruptedException {
    return buildah.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? buildah.exitValue() : null;
  }

  private Integer exitCodeOrNull() {
    return buildah.isAlive() ? null : buildah.exitValue();
  }

  String stderr() {
    try {
      return Files.exists(stderr) ? Files.readString(stderr) : "";
    } catch (IOException e) {
      return "(unreadable " + stderr + ": " + e + ")";
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (buildah.isAlive()) {
      findJvm().ifPresent(ProcessHandle::destroyForcibly);
      if (!buildah.waitFor(10, TimeUnit.SECONDS)) {
        buildah.descendants().forEach(ProcessHandle::destroyForcibly);
        buildah.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    Commands.run(List.of("buildah", "rm", container), Duration.ofMinutes(1), null);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
