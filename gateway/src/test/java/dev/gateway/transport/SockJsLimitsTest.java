package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SockJS xhr_send bodies over limits.maxMessageBytes are refused with 413; the session lives on. */
class SockJsLimitsTest {

  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(new JsonObject()
        .put("limits", new JsonObject().put("maxMessageBytes", 16 * 1024)));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    // a client per request: SockJS closes the connection after a poll
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return http.send(HttpRequest.newBuilder(URI.create(gateway.httpUrl(path)))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void oversizedXhrSendIs413AndTheSessionStillWorks() throws Exception {
    String session = "/eventbus/000/limits" + System.nanoTime();
    assertEquals("o\n", post(session + "/xhr", "").body());
    String big = new JsonObject().put("type", "publish").put("address", "chat.big")
        .put("body", "x".repeat(32 * 1024)).encode();
    assertEquals(413, post(session + "/xhr_send", new JsonArray().add(big).encode()).statusCode());
    String register = new JsonObject().put("type", "register").put("address", "chat.ok")
        .put("ack", "small").encode();
    assertEquals(204, post(session + "/xhr_send", new JsonArray().add(register).encode()).statusCode());
    String poll = post(session + "/xhr", "").body();
    assertEquals(true, poll.startsWith("a[") && poll.contains("small"), poll);
  }
}
