package dev.gateway.ops;

import dev.gateway.support.Await;
import dev.gateway.testkit.Ports;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Debian's real {@code prometheus} on 127.0.0.1 (free port, TSDB in the given directory), with the
 * HTTP API calls the tests need, and {@code promtool}. {@link #close()} stops it by PID; a JVM
 * shutdown hook kills a server a test left running.
 */
final class PrometheusServer implements AutoCloseable {

  /** Result of one promtool run: exit code and stdout + stderr. */
  record Result(int exit, String output) {
  }

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  final int port;
  final Path log;
  private final Process process;
  private final Thread reaper;

  private PrometheusServer(int port, Path log, Process process) {
    this.port = port;
    this.log = log;
    this.process = process;
    this.reaper = new Thread(process::destroyForcibly, "prometheus-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** The program on the PATH; fails saying how to install it. */
  static String binary(String name) {
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new AssertionError(name + " is not installed (not on the PATH): install Debian's prometheus package"
        + " (apt-get install prometheus, which brings prometheus and promtool; the build does it when run as"
        + " root: gateway/src/test/scripts/ensure-tools.sh)");
  }

  /** Writes {@code prometheus.yml} into dir (rule files are relative to it) and starts the server. */
  static PrometheusServer start(Path dir, String config) throws IOException {
    Path file = dir.resolve("prometheus.yml");
    Files.writeString(file, config);
    int port = Ports.freePort();
    Path log = dir.resolve("prometheus.log");
    Process p = new ProcessBuilder(binary("prometheus"), "--config.file=" + file,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    PrometheusServer server = new PrometheusServer(port, log, p);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (status("/-/ready", port) != 200) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("prometheus not ready on port " + port + ":\n" + server.logText());
        }
        pause(100);
      }
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  /** GET of an API path (query string already encoded), parsed; status and error are in the body. */
  JsonObject api(String pathAndQuery) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(10)).GET().build();
    try {
      return new JsonObject(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + pathAndQuery + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The whole response of an instant query (status success or error). */
  JsonObject query(String expr) {
    return api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
  }

  /** An instant query that must succeed with a vector: its samples. */
  JsonArray vector(String expr) {
    JsonObject r = query(expr);
    if (!"success".equals(r.getString("status"))) {
      throw new AssertionError("query failed: " + expr + "\n" + r.encodePrettily());
    }
    JsonObject data = r.getJsonObject("data");
    if (!"vector".equals(data.getString("resultType"))) {
      throw new AssertionError("not a vector: " + expr + " -> " + data.getString("resultType"));
    }
    return data.getJsonArray("result");
  }

  /** Polls the query every 250 ms until its samples satisfy the condition; fails after the time. */
  JsonArray await(String what, String expr, Predicate<JsonArray> ok, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonArray last = vector(expr);
    while (!ok.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not true after " + seconds + " s\n  " + expr + "\n  last result: "
            + last.encode());
      }
      pause(250);
      last = vector(expr);
    }
    return last;
  }

  /** Runs {@code promtool ARGS} in dir with stdin (may be null), bounded to 30 s. */
  static Result promtool(Path dir, String stdin, String... args) {
    String[] command = new String[args.length + 1];
    command[0] = binary("promtool");
    System.arraycopy(args, 0, command, 1, args.length);
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
        try (InputStream in = p.getInputStream()) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          return "(output unreadable: " + e + ")";
        }
      });
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("promtool " + String.join(" ", args) + " still running after 30 s");
      }
      return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("promtool " + String.join(" ", args) + ": " + e, e);
    }
  }

  String logText() {
    try {
      String text = Files.exists(log) ? Files.readString(log) : "";
      return text.substring(Math.max(0, text.length() - 3_000));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** SIGTERM by PID, then SIGKILL if it is still there after 10 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException ignored) {
      // already shutting down
    }
  }

  private static int status(String path, int port) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(2)).GET().build();
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static void pause(long millis) {
    Await.pause(millis);
  }

}
