package dev.gateway.support.chaos;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's HTTP API as the chaos tests use it (loopback, no key): {@code POST /api/publish}
 * with an {@code Idempotency-Key}, and {@code GET /api/history}. Each request gives up after
 * {@link #TIMEOUT_MS} without an answer (its node may be frozen).
 */
public final class HistoryApi implements AutoCloseable {

  public static final long TIMEOUT_MS = 4_000;
  private final HttpClientAgent http;

  public HistoryApi(Vertx vertx) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
        .setConnectTimeout(1_000), new PoolOptions().setHttp1MaxSize(32));
  }

  /** Publishes; the 202 answer's JSON ({@code offset}, {@code epoch}), else a failed future. */
  public Future<JsonObject> publish(int port, String channel, JsonObject body, String key) {
    String json = new JsonObject().put("address", channel).put("body", body).encode();
    return http.request(options(port, "/api/publish").setMethod(HttpMethod.POST)
            .putHeader("Content-Type", "application/json").putHeader("Idempotency-Key", key))
        .compose(req -> req.send(Buffer.buffer(json)))
        .compose(resp -> resp.body().compose(b -> resp.statusCode() == 202
            ? Future.succeededFuture(new JsonObject(b))
            : Future.failedFuture("publish answered " + resp.statusCode() + ": " + b)));
  }

  /** The channel's newest publications and position (1,000 at most), else a failed future. */
  public Future<JsonObject> history(int port, String channel) {
    String uri = "/api/history?limit=1000&address=" + URLEncoder.encode(channel, StandardCharsets.UTF_8);
    return http.request(options(port, uri).setMethod(HttpMethod.GET))
        .compose(req -> req.send())
        .compose(resp -> resp.body().compose(b -> resp.statusCode() == 200
            ? Future.succeededFuture(new JsonObject(b))
            : Future.failedFuture("history answered " + resp.statusCode() + ": " + b)));
  }

  /** As {@link #history}, blocking (never on an event loop); null when it failed. */
  public JsonObject historyNow(int port, String channel) {
    try {
      return history(port, channel).await(TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  private static RequestOptions options(int port, String uri) {
    return new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
        .setIdleTimeout(TIMEOUT_MS);
  }

  @Override
  public void close() {
    http.close();
  }
}
