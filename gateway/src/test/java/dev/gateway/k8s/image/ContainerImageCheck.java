package dev.gateway.k8s.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gateway.config.Settings;
import dev.gateway.k8s.support.K8sFiles;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The image, built and run on this machine. {@code k8s/image/build.sh} builds it from the root
 * Dockerfile (local Debian bases, buildah, no registry); the gateway then runs in it from the
 * image's own config (entrypoint, user, environment with the JVM flags), capabilities dropped,
 * on 127.0.0.1 and a free port. Checked: {@code /health/ready} answers 200, a WebSocket client
 * registered to a {@code chat.*} channel receives what {@code POST /api/publish} sends, and
 * SIGTERM closes that client with 1001 and ends the process within the drain window plus the
 * shutdown timeout. Measurements go to {@code target/image-check/result.txt}.
 *
 * <p>Not part of {@code mvn verify}: {@code mvn -B -Pimage -pl gateway verify} (root, with buildah,
 * podman and debootstrap, which build.sh installs on Debian).
 */
class ContainerImageCheck {

  private static final String IMAGE = System.getProperty("gateway.image", "localhost/gateway:image-check");
  private static final Path LOGS = Path.of("target", "image-check").toAbsolutePath();
  private static final String CHANNEL = "chat.image-check";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void buildsRunsAsItsUserAnswersAndStopsOnSigterm() throws Exception {
    Files.createDirectories(LOGS);
    long buildStart = System.nanoTime();
    Commands.run(List.of("bash", K8sFiles.repoRoot().resolve("k8s/image/build.sh").toString(), IMAGE),
        Duration.ofMinutes(30), LOGS.resolve("build.log"));
    Duration build = since(buildStart);
    long size = Long.parseLong(Commands.run(List.of("podman", "image", "inspect", "--format", "{{.Size}}", IMAGE),
        Duration.ofMinutes(1), null).strip());

    ImageConfig config = ImageConfig.of(IMAGE);
    assertTrue(config.uid() > 0, "the image runs as a numeric non-root user (runAsNonRoot): USER " + config.user());
    String flags = config.env().get("JAVA_TOOL_OPTIONS");
    assertNotNull(flags, "the image sets its JVM flags in JAVA_TOOL_OPTIONS: " + config.env());
    long drainMs = setting(config, "GATEWAY_DRAIN_WINDOW_MS");
    long shutdownMs = setting(config, "GATEWAY_SHUTDOWN_TIMEOUT_MS");
    int port = freePort();

    try (GatewayContainer gateway = GatewayContainer.start(IMAGE, config,
        Map.of("GATEWAY_HOST", "127.0.0.1", "GATEWAY_PORT", String.valueOf(port)), LOGS)) {
      long start = System.nanoTime();
      awaitReady(port, gateway);
      Duration startToReady = since(start);
      ProcessHandle jvm = gateway.jvm();
      assertEquals(config.uid(), uidOf(jvm), "the JVM runs as the image's user");
      assertTrue(gateway.stderr().contains("Picked up JAVA_TOOL_OPTIONS: " + flags),
          "the JVM runs with the image's flags: " + gateway.stderr());

      try (BridgeSocket ws = new BridgeSocket(http, port)) {
        ws.send(new JsonObject().put("type", "register").put("address", CHANNEL).put("ack", "r1"));
        assertEquals("r1", ws.await("ack", Duration.ofSeconds(10)).getString("ack"), "registration acknowledged");
        JsonObject body = new JsonObject().put("text", "from the image check");
        assertEquals(202, publish(port, new JsonObject().put("address", CHANNEL).put("body", body)));
        JsonObject rec = ws.await("rec", Duration.ofSeconds(10));
        assertEquals(CHANNEL, rec.getString("address"));
        assertEquals(body, rec.getJsonObject("body"), "the published body arrives over the WebSocket");

        long term = System.nanoTime();
        assertTrue(jvm.destroy(), "SIGTERM to the JVM");
        Integer closeCode = ws.awaitClose(Duration.ofMillis(drainMs + 5_000));
        Integer exit = gateway.awaitExit(Duration.ofMillis(drainMs + shutdownMs));
        Duration termToExit = since(term);
        assertNotNull(exit, "still running " + (drainMs + shutdownMs) + " ms after SIGTERM (drain window + "
            + "shutdown timeout)");
        assertEquals(1001, closeCode, "the connected client is closed with 1001 (going away) while draining");
        assertEquals(143, exit, "exit status after SIGTERM: 128 + 15, the JVM's once its shutdown hooks ran");
        report(size, build, startToReady, termToExit, exit, flags, config);
      }
    }
  }

  private void awaitReady(int port, GatewayContainer gateway) throws InterruptedException {
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      assertTrue(gateway.running(), "the gateway exited before it was ready: " + gateway.stderr());
      try {
        if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    fail("/health/ready did not answer 200 within 2 minutes: " + gateway.stderr());
  }

  /** POST /api/publish from loopback (the image sets no API key, so loopback may publish). */
  private int publish(int port, JsonObject message) throws IOException, InterruptedException {
    HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/publish"))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(message.encode())).build();
    return http.send(post, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** A setting as the container sees it: the image's environment, else the gateway's default. */
  private static long setting(ImageConfig config, String env) {
    String value = config.env().get(env);
    if (value != null) {
      return Long.parseLong(value);
    }
    return Settings.ALL.stream().filter(s -> s.env().equals(env)).map(s -> ((Number) s.defaultValue()).longValue())
        .findFirst().orElseGet(() -> fail("no setting " + env));
  }

  private static int uidOf(ProcessHandle p) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "status"))) {
      if (line.startsWith("Uid:")) {
        return Integer.parseInt(line.split("\\s+")[1]);
      }
    }
    return fail("no Uid line in /proc/" + p.pid() + "/status");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static Duration since(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos);
  }

  private static void report(long size, Duration build, Duration ready, Duration exit, int code, String flags,
                             ImageConfig config) throws IOException {
    String text = String.format("image %s: %.1f MB (%d bytes), built in %d s%n"
            + "start to /health/ready 200: %d ms%n"
            + "SIGTERM to exit: %d ms, exit status %d%n"
            + "user %s, JAVA_TOOL_OPTIONS=%s%n",
        IMAGE, size / 1e6, size, build.toSeconds(), ready.toMillis(), exit.toMillis(), code, config.user(), flags);
    Files.writeString(LOGS.resolve("result.txt"), text);
    System.out.print(text);
  }
}
