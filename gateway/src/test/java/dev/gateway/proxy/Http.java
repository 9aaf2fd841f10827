package dev.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

  record Reply(int status, MultiMap headers, String body) {

    /** The {@code error} field of a JSON error body, or null. */
    String error() {
      try {
        return new JsonObject(body).getString("error");
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

  /** One request to 127.0.0.1:port, body read fully; handlers are set before it goes out. */
  static Reply request(HttpClient http, HttpMethod method, int port, String uri,
                       Map<String, String> headers, String body) {
    try {
      return http.request(method, port, "127.0.0.1", uri).compose(req -> {
        Future<Reply> reply = req.response().compose(resp -> resp.body()
            .map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())));
        headers.forEach(req::putHeader);
        if (body == null) {
          req.end();
        } else {
          req.end(Buffer.buffer(body));
        }
        return reply;
      }).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(method + " " + uri + " on port " + port + " failed: " + e, e);
    }
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
