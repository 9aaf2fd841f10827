package dev.gateway.transport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import java.util.concurrent.TimeUnit;

/**
 * A SockJS session over HTTP requests (xhr-polling, xhr-streaming, eventsource): the client
 * sends with {@code POST <session>/xhr_send} and a JSON array of strings, answered 204.
 *
 * <p>Keep-alive is off: the gateway closes the TCP connection after every polling or streaming
 * response, and a pooled connection closed under the client would fail the next request.
 */
abstract class SockJsHttpSession extends SockJsClient {

  static final String HOST = "127.0.0.1";

  protected final Vertx vertx;
  protected final HttpClientAgent http;
  protected final int port;
  /** {@code /eventbus/<server>/<session>}. */
  protected final String session;
  protected volatile boolean stopped;

  SockJsHttpSession(Vertx vertx, int port, String session) {
    this.vertx = vertx;
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(8));
    this.port = port;
    this.session = session;
  }

  /** The response of one HTTP exchange, body read fully. */
  record Reply(int status, io.vertx.core.MultiMap headers, String body) {
  }

  /** One request with a body (may be null) on this session's client. */
  Future<Reply> exchange(HttpMethod method, String uri, String body) {
    return exchange(http, port, method, uri, body, new StringBuffer());
  }

  /**
   * One request on the given client, body read fully; appends each step reached to
   * {@code trace}. The response's handlers are in place before the request goes out: attached
   * later (in a callback that may run on another event loop) they can miss the end of a short
   * response, and the body future never completes.
   */
  static Future<Reply> exchange(HttpClient client, int port, HttpMethod method, String uri,
                                String body, StringBuffer trace) {
    trace.append("requested");
    return client.request(method, port, HOST, uri).compose(req -> {
      trace.append(", connected");
      Future<Reply> reply = req.response().compose(resp -> {
        trace.append(", status ").append(resp.statusCode());
        return resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()));
      });
      if (body == null) {
        req.end();
      } else {
        req.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end(Buffer.buffer(body));
      }
      return reply;
    });
  }

  /**
   * Sends the messages with one {@code xhr_send} and waits for its answer (so sends keep their
   * order); anything but 204 is an assertion failure.
   */
  @Override
  public void sendMessages(String... messages) {
    Reply r = xhrSend(new JsonArray(java.util.List.of((Object[]) messages)).encode());
    if (r.status() != 204) {
      throw new AssertionError("xhr_send answered " + r.status() + ": " + r.body());
    }
  }

  /** {@code POST <session>/xhr_send} with the given raw body; blocks for the reply. */
  public Reply xhrSend(String rawBody) {
    StringBuffer trace = new StringBuffer();
    try {
      return exchange(http, port, HttpMethod.POST, session + "/xhr_send", rawBody, trace)
          .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("xhr_send failed: " + e + " (" + trace + ")", e);
    }
  }

  /** The session path, {@code /eventbus/<server>/<session>}. */
  public String sessionPath() {
    return session;
  }

  @Override
  public void close() {
    stopped = true;
    try {
      http.close().await(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing anyway
    }
  }
}
