package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A gateway subscriber over SockJS xhr-streaming, as sockjs-client does it: a long POST to
 * {@code .../xhr_streaming} whose chunked body carries {@code o}, {@code h} and {@code a[...]}
 * frames, one per line; messages go up with {@code .../xhr_send}. A streaming response ends after
 * the server's byte limit and is reopened at once; a reopen that fails (the server closes the
 * TCP connection of a recycled response) is retried.
 */
final class SockJsSubscriber {

  /** Deliveries inside a SockJS array frame are JSON strings, so their quotes are escaped. */
  static final byte[] MARKER = "\\\"t\\\":".getBytes(StandardCharsets.US_ASCII);

  private final HttpClient http;
  private final int port;
  private final String base;
  private final Deliveries deliveries;
  private final String channel;
  private final Promise<Void> subscribed = Promise.promise();
  private Buffer partial = Buffer.buffer();
  private boolean opened;
  private volatile boolean counting;
  private volatile boolean closed;
  private int retries;

  SockJsSubscriber(HttpClient http, int port, Deliveries deliveries, String channel) {
    this.http = http;
    this.port = port;
    this.deliveries = deliveries;
    this.channel = channel;
    ThreadLocalRandom r = ThreadLocalRandom.current();
    this.base = "/eventbus/" + r.nextInt(100, 1000) + "/" + Long.toHexString(r.nextLong()) + "x"
        + Long.toHexString(r.nextLong());
  }

  /** Opens the session and registers; completes when the gateway's ack arrived. */
  Future<Void> start() {
    stream();
    return subscribed.future();
  }

  void close() {
    closed = true;
  }

  private RequestOptions post(String path) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI(base + path).setTimeout(0).setIdleTimeout(0);
  }

  private void stream() {
    if (closed) {
      return;
    }
    http.request(post("/xhr_streaming"))
        .compose(req -> req.send())
        .onSuccess(this::onResponse)
        .onFailure(err -> retry());
  }

  private void retry() {
    if (!closed && ++retries <= 20) {
      http.request(post("/xhr_streaming")).compose(req -> req.send())
          .onSuccess(this::onResponse).onFailure(err -> retry());
    } else {
      subscribed.tryFail("xhr_streaming failed");
    }
  }

  private void onResponse(HttpClientResponse res) {
    if (res.statusCode() != 200) {
      subscribed.tryFail("xhr_streaming status " + res.statusCode());
      return;
    }
    retries = 0;
    partial = Buffer.buffer();
    res.handler(this::onChunk);
    res.endHandler(v -> stream());
    res.exceptionHandler(err -> { });
  }

  private void onChunk(Buffer chunk) {
    Buffer data = partial.length() == 0 ? chunk : partial.appendBuffer(chunk);
    int start = 0;
    int len = data.length();
    for (int i = 0; i < len; i++) {
      if (data.getByte(i) == '\n') {
        onLine(data, start, i);
        start = i + 1;
      }
    }
    partial = start == len ? Buffer.buffer() : data.getBuffer(start, len).copy();
  }

  private void onLine(Buffer data, int from, int to) {
    if (from == to) {
      return;
    }
    byte kind = data.getByte(from);
    if (kind == 'a') {
      if (counting) {
        deliveries.scan(data, from, to, MARKER);
      } else if (data.getString(from, to).contains("\\\"type\\\":\\\"ack\\\"")) {
        counting = true;
        subscribed.tryComplete();
      }
    } else if (kind == 'o' && to - from == 1 && !opened) {
      opened = true;
      register();
    } else if (kind == 'c') {
      subscribed.tryFail("closed: " + data.getString(from, to));
    }
  }

  private void register() {
    String msg = "{\"type\":\"register\",\"address\":\"" + channel + "\",\"ack\":\"s\"}";
    String body = "[\"" + msg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
    http.request(post("/xhr_send").putHeader("Content-Type", "text/plain;charset=UTF-8"))
        .compose(req -> req.send(body))
        .onComplete(ar -> {
          if (ar.failed() || ar.result().statusCode() != 204) {
            subscribed.tryFail("xhr_send failed");
          }
        });
  }
}
