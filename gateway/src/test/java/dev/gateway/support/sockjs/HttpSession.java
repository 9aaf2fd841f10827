package dev.gateway.support.sockjs;

import dev.gateway.support.HttpExchange.Reply;
import dev.gateway.support.HttpExchange;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A SockJS session over HTTP requests (xhr-polling, xhr-streaming, eventsource): the client
 * sends with {@code POST <session>/xhr_send} and a JSON array of strings, answered 204.
 *
 * <p>Keep-alive is off: the gateway closes the TCP connection after every polling or streaming
 * response, and a pooled connection closed under the client would fail the next request.
 */
public abstract class HttpSession extends SockJsSession {

  protected final HttpClientAgent http;
  protected final int port;
  /** {@code /eventbus/<server>/<session>}. */
  protected final String session;
  protected volatile boolean stopped;

  HttpSession(Vertx vertx, int port, String session) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(8));
    this.port = port;
    this.session = session;
  }

  /** One request on this session's client, body read fully; {@code body} may be null. */
  Future<Reply> exchange(HttpMethod method, String uri, String body) {
    return HttpExchange.send(http, method, port, uri,
        HttpExchange.sockJsHeaders(MultiMap.caseInsensitiveMultiMap(), body), body, new StringBuffer());
  }

  /**
   * Sends the messages with one {@code xhr_send} and waits for its answer (so sends keep their
   * order); anything but 204 is an assertion failure.
   */
  @Override
  public void sendMessages(String... messages) {
    Reply r = xhrSend(new JsonArray(List.of((Object[]) messages)).encode());
    if (r.status() != 204) {
      throw new AssertionError("xhr_send answered " + r.status() + ": " + r.body());
    }
  }

  /** {@code POST <session>/xhr_send} with the given raw body; blocks for the reply. */
  public Reply xhrSend(String rawBody) {
    StringBuffer trace = new StringBuffer();
    try {
      return HttpExchange.send(http, HttpMethod.POST, port, session + "/xhr_send",
          HttpExchange.sockJsHeaders(MultiMap.caseInsensitiveMultiMap(), rawBody), rawBody, trace)
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
