package dev.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The openssl command line, for test certificates and TLS probes; fails clearly when missing. */
public final class Openssl {

  /** What a finished openssl run printed (stdout and stderr together) and its exit code. */
  public record Result(int exitCode, String output) {
  }

  private Openssl() {
  }

  /** Runs {@code openssl args} in {@code dir}; fails the test unless it exits 0. */
  public static String run(Path dir, String... args) {
    Result r = exec(dir, null, args);
    if (r.exitCode() != 0) {
      throw new AssertionError("openssl " + String.join(" ", args) + " failed:\n" + r.output());
    }
    return r.output();
  }

  /** Runs {@code openssl args} in {@code dir} with {@code stdin} (or none), whatever it exits. */
  public static Result exec(Path dir, String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("the openssl command is needed to make test certificates and"
          + " probe TLS: install it (Debian: apt-get install openssl)", e);
    }
    try {
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("openssl " + String.join(" ", args) + " did not finish in 30 s");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
