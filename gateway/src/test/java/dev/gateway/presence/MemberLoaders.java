package dev.gateway.presence;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Load-generator processes ({@link MemberLoad}, one JVM each, from the test classpath) holding
 * the members of a presence test, each within the per-process file limit. {@link #close()} ends
 * every one of them by its PID (stdin closed, then SIGKILL) and waits for it to go; a JVM
 * shutdown hook does the same if the test JVM exits first, and each exits by itself when its
 * stdin ends or its time is up.
 */
final class MemberLoaders implements AutoCloseable {

  /** One process: its member lines ({@code PORT TOKEN}) and source address. */
  record Job(List<String> lines, String sourceAddress) {
  }

  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final Thread reaper = new Thread(this::killAll, "member-loaders-reaper");

  private MemberLoaders() {
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /**
   * Starts one process per job (members registered to {@code channel}; each process exits by
   * itself after {@code maxSeconds}); files and logs in {@code dir}.
   */
  static MemberLoaders start(List<Job> jobs, String channel, Path dir, long maxSeconds) {
    MemberLoaders loaders = new MemberLoaders();
    try {
      Files.createDirectories(dir);
      for (int k = 0; k < jobs.size(); k++) {
        Path file = dir.resolve("members-" + k + ".txt");
        Files.write(file, jobs.get(k).lines());
        Path log = dir.resolve("loader-" + k + ".log");
        List<String> command = List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss256k",
            "-cp", System.getProperty("java.class.path"), MemberLoad.class.getName(),
            file.toString(), channel, jobs.get(k).sourceAddress(), Long.toString(maxSeconds));
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        loaders.processes.add(p);
        loaders.logs.add(log);
      }
      return loaders;
    } catch (IOException e) {
      loaders.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      loaders.close();
      throw e;
    }
  }

  /** Waits for every process's {@code READY} line; an assertion failure with what went wrong. */
  void awaitReady(long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> readers = new ArrayList<>();
    String[] lines = new String[processes.size()];
    for (int k = 0; k < processes.size(); k++) {
      int i = k;
      Thread t = new Thread(() -> lines[i] = firstLine(processes.get(i)), "member-loader-" + k);
      t.setDaemon(true);
      t.start();
      readers.add(t);
    }
    for (Thread t : readers) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    for (int k = 0; k < lines.length; k++) {
      if (lines[k] == null || !lines[k].startsWith("READY")) {
        throw new AssertionError("load generator " + k + " (pid " + processes.get(k).pid()
            + ") did not register its members within " + seconds + " s: " + lines[k]
            + "\n" + tail(logs.get(k)));
      }
    }
  }

  private static String firstLine(Process p) {
    try {
      return new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8)).readLine();
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static String tail(Path log) {
    try {
      String text = Files.exists(log) ? Files.readString(log) : "";
      return text.substring(Math.max(0, text.length() - 2_000));
    } catch (IOException e) {
      return "";
    }
  }

  private void killAll() {
    for (Process p : processes) {
      try {
        p.getOutputStream().close(); // the process exits when its stdin ends
      } catch (IOException e) {
        // gone already
      }
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook runs anyway
    }
  }
}
