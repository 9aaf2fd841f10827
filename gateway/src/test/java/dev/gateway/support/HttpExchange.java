package dev.gateway.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP exchange with a node on 127.0.0.1, body read fully. The response's handlers are in
 * place before the request goes out: attached later (in a callback that may run on another
 * event loop) they can miss the end of a short response, and the body future never completes.
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
   * Sends the request (with the headers; no body when {@code body} is null) on the client, which
   * may be a single {@code HttpClientConnection}; appends each step reached to {@code trace}.
   */
  public static Future<Reply> send(HttpClient http, HttpMethod method, int port, String uri,
                                   MultiMap headers, String body, StringBuffer trace) {
    trace.append("requested");
    return http.request(method, port, "127.0.0.1", uri).compose(req -> {
      trace.append(", connected");
      Future<Reply> reply = req.response().compose(resp -> {
        trace.append(", status ").append(resp.statusCode());
        return resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()));
      });
      req.headers().addAll(headers);
      if (body == null) {
        req.end();
      } else {
        req.end(Buffer.buffer(body));
      }
      return reply;
    });
  }

  /**
   * As {@link #send}, waiting up to {@code timeoutSeconds} for the whole answer (never call it on
   * an event loop); a failure or timeout is an assertion failure.
   */
  public static Reply request(HttpClient http, HttpMethod method, int port, String uri,
                              MultiMap headers, String body, long timeoutSeconds) {
    StringBuffer trace = new StringBuffer();
    try {
      return send(http, method, port, uri, headers, body, trace).await(timeoutSeconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(method + " " + uri + " on port " + port + " failed: " + e
          + " (" + trace + ")", e);
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
