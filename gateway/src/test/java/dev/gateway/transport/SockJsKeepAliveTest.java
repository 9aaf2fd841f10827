package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * vertx-web closes the TCP connection after every xhr-polling answer and every recycled stream.
 * The gateway says so ({@code Connection: close}), so a client that keeps connections alive (a
 * browser, Gatling, a pooled HTTP client) opens a new one instead of sending its next poll into
 * a connection being closed under it (which fails the request and can lose the session).
 * Sends ({@code xhr_send}) keep their connection.
 */
class SockJsKeepAliveTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.defaults();

  static String session() {
    return "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "");
  }

  @Test
  void answersKeepTheirConnectionForTheNextRequest() throws Exception {
    // one pooled connection: every request of the session must go over the same TCP connection
    HttpClientAgent http = gw.client().createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
    String polling = session();
    HttpClientResponse open = http.request(HttpMethod.POST, gw.port(), "127.0.0.1", polling + "/xhr")
        .compose(req -> req.send().compose(resp -> resp.body().map(body -> resp)))
        .await(10, TimeUnit.SECONDS);
    assertNull(open.getHeader(HttpHeaders.CONNECTION), "xhr-polling answer keeps its connection");
    HttpClientResponse send = http.request(HttpMethod.POST, gw.port(), "127.0.0.1", polling + "/xhr_send")
        .compose(req -> req.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").send("[\"{\\\"type\\\":\\\"ping\\\"}\"]"))
        .await(10, TimeUnit.SECONDS);
    assertEquals(204, send.statusCode());
    assertNull(send.getHeader(HttpHeaders.CONNECTION), "xhr_send keeps its connection");
    assertEquals(open.request().connection(), send.request().connection(),
        "the send went over the poll's connection");
  }

  @Test
  void pooledKeepAliveClientPollsWithoutLosingRequestsOrTheSession() throws Exception {
    // one pooled keep-alive connection at most: every poll goes out on the same connection
    HttpClientAgent http = gw.client().createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
    String session = session();
    assertEquals("o\n", poll(http, session));
    for (int round = 0; round < 30; round++) {
      JsonObject send = new JsonObject().put("type", "send").put("address", "echo")
          .put("body", new JsonObject().put("round", round)).put("replyAddress", "r" + round);
      int status = http.request(HttpMethod.POST, gw.port(), "127.0.0.1", session + "/xhr_send")
          .compose(req -> req.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
              .send(new JsonArray().add(send.encode()).encode()))
          .map(HttpClientResponse::statusCode).await(10, TimeUnit.SECONDS);
      assertEquals(204, status, "round " + round + ": xhr_send");
      String reply = "";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!reply.contains("\\\"round\\\":" + round + "}") && System.nanoTime() < deadline) {
        reply = poll(http, session);
        assertTrue(reply.startsWith("a[") || reply.equals("h\n"),
            "round " + round + ": the session was lost or reopened: " + reply);
      }
      assertTrue(reply.contains("\\\"round\\\":" + round + "}"), "round " + round + ": no echo, last " + reply);
    }
  }

  static String poll(HttpClientAgent http, String session) throws Exception {
    return http.request(HttpMethod.POST, gw.port(), "127.0.0.1", session + "/xhr")
        .compose(req -> req.send().compose(resp -> resp.body()))
        .map(Object::toString).await(15, TimeUnit.SECONDS);
  }
}
