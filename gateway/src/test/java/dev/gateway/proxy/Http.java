package dev.gateway.proxy;

import dev.gateway.support.HttpExchange;
import dev.gateway.support.HttpExchange.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Blocking HTTP helpers of the reverse-proxy tests (never call them on an event loop). */
final class Http {

  private Http() {
  }

  /** One request to 127.0.0.1:port, body read fully (10 s at most). */
  static Reply request(HttpClient http, HttpMethod method, int port, String uri,
                       Map<String, String> headers, String body) {
    MultiMap all = MultiMap.caseInsensitiveMultiMap();
    headers.forEach(all::add);
    return HttpExchange.request(http, method, port, uri, all, body, 10);
  }

  /** {@code POST /api/publish} of a string body to the channel, with extra headers. */
  static Reply publish(HttpClient http, int port, String channel, String text,
                       Map<String, String> headers) {
    Map<String, String> all = new java.util.LinkedHashMap<>(headers);
    all.put("Content-Type", "application/json");
    return request(http, HttpMethod.POST, port, "/api/publish", all,
        new JsonObject().put("address", channel).put("body", text).encode());
  }

  /**
   * A WebSocket handshake on {@code /ws} with the given Origin: 101 (then closed) when upgraded,
   * else the refusal, with its body.
   */
  static Reply handshake(Vertx vertx, int port, String origin) {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket socket = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(port).setURI("/ws").addHeader(HttpHeaders.ORIGIN, origin))
          .await(10, TimeUnit.SECONDS);
      socket.close().await(5, TimeUnit.SECONDS);
      return new Reply(101, MultiMap.caseInsensitiveMultiMap(), "");
    } catch (UpgradeRejectedException e) {
      return new Reply(e.getStatus(), e.getHeaders(), e.getBody() == null ? "" : e.getBody().toString());
    } catch (Exception e) {
      throw new AssertionError("handshake on port " + port + " failed without an HTTP answer: " + e, e);
    } finally {
      client.close();
    }
  }
}
