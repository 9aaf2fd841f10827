package dev.gateway.k8s.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with its output in a file, killing it (and its children) on a timeout. */
final class Commands {

  /** Exit status (-1: timed out and killed) and standard output. */
  record Result(int exit, String stdout) {
  }

  private Commands() {
  }

  /** Stdout of a command that must exit 0 (stderr goes to {@code log}, or into the failure message when null). */
  static String run(List<String> command, Duration timeout, Path log) throws IOException, InterruptedException {
    Result r = exec(command, timeout, log);
    String where = log != null ? " (see " + log + ")" : ": " + r.stdout();
    assertEquals(0, r.exit(), String.join(" ", command) + (r.exit() == -1 ? " did not finish in " + timeout
        : " failed") + where);
    return r.stdout();
  }

  static Result exec(List<String> command, Duration timeout, Path log) throws IOException, InterruptedException {
    Path out = Files.createTempFile("image-check", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile());
      if (log != null) {
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
      } else {
        pb.redirectErrorStream(true);
      }
      Process p = pb.start();
      boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor();
        }
      }
      return new Result(finished ? p.exitValue() : -1, Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
