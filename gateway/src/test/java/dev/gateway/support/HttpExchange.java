package dev.gateway.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * One blocking HTTP exchange with a node on 127.0.0.1, body read fully (never call it on an
 * event loop). The response's handlers are in place before the request goes out: attached later
 * (in a callback that may run on another event loop) they can miss the end of a short response.
 */
public final class HttpExchange {

  private HttpExchange() {
  }

  /** What came back. */
  public record Reply(int status, MultiMap headers, String body) {

    /** The {@code error} field of a JSON error body, or null. */
    public String error() {
      try {
        return new JsonObject(body).getString("error");
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

  /**
   * Sends the request (with the headers; no body when {@code body} is null) and waits up to
   * {@code timeoutSeconds} for the whole answer; a failure or timeout is an assertion failure.
   */
  public static Reply request(HttpClient http, HttpMethod method, int port, String uri,
                              MultiMap headers, String body, long timeoutSeconds) {
    try {
      return http.request(method, port, "127.0.0.1", uri).compose(req -> {
        Future<Reply> reply = req.response().compose(resp -> resp.body()
            .map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())));
        req.headers().addAll(headers);
        if (body == null) {
          req.end();
        } else {
          req.end(Buffer.buffer(body));
        }
        return reply;
      }).await(timeoutSeconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(method + " " + uri + " on port " + port + " failed: " + e, e);
    }
  }

  /** Headers for a SockJS request: {@code Content-Type: text/plain} when it has a body. */
  public static MultiMap sockJsHeaders(MultiMap extra, String body) {
    MultiMap all = MultiMap.caseInsensitiveMultiMap().addAll(extra);
    if (body != null) {
      all.set("Content-Type", "text/plain");
    }
    return all;
  }
}
