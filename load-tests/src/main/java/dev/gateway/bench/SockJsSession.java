package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * One SockJS session of the load generator, as sockjs-client runs it over a streaming transport:
 * a long request to {@code PREFIX/SERVER/SESSION/xhr_streaming} (POST) or {@code .../eventsource}
 * (GET) whose body carries {@code o}, {@code h}, {@code a[...]} and {@code c[...]} frames;
 * messages go up with {@code .../xhr_send}, one request in flight and whatever was sent meanwhile
 * batched into the next (sockjs-client's buffered sender). A streaming response ends after the
 * server's byte limit and is reopened at once on a new connection; a reopen that fails (a server
 * may cut the TCP connection of a recycled response, or refuse a burst of reopens) is retried.
 *
 * <p>A subscriber is ready once it is subscribed: for the gateway after it sent its register
 * message over {@code xhr_send} and the ack arrived; for the peers, which subscribe every session,
 * on their {@code {"type":"ack"}}. From then on it counts every delivery. A publisher (no
 * {@link Deliveries}) is ready when its session is open and the server acknowledged it.
 */
final class SockJsSession implements Sender {

  /** The streaming transports measured. */
  enum Kind {
    XHR_STREAMING("xhr-streaming", "/xhr_streaming", HttpMethod.POST, ""),
    EVENTSOURCE("eventsource", "/eventsource", HttpMethod.GET, "data: ");

    /** Transport name in the results (also the phase's transport column). */
    final String label;
    final String path;
    final HttpMethod method;
    /** What precedes a SockJS frame on a line of the response body. */
    final byte[] linePrefix;

    Kind(String label, String path, HttpMethod method, String linePrefix) {
      this.label = label;
      this.path = path;
      this.method = method;
      this.linePrefix = linePrefix.getBytes(StandardCharsets.US_ASCII);
    }
  }

  /** Where the sessions of one fan-out connect: the generator's Vert.x, the server, the transport. */
  record Endpoint(Vertx vertx, Target target, int port, Kind kind) {
  }

  /** Deliveries inside a SockJS array frame are JSON strings, so their quotes are escaped. */
  static final byte[] MARKER = "\\\"t\\\":".getBytes(StandardCharsets.US_ASCII);
  private static final String ACK = "\\\"type\\\":\\\"ack\\\"";
  /** Bound of a publisher's messages waiting for the xhr_send in flight (beyond: counted lost). */
  private static final int MAX_PENDING = 100_000;
  private static final int MAX_RETRIES = 20;

  private final Endpoint endpoint;
  private final HttpClient streams;
  private final HttpClient sends;
  private final Deliveries deliveries;
  private final String register;
  private final String base;
  private final Promise<Void> ready = Promise.promise();
  private final LongAdder failedMessages = new LongAdder();
  private final Object sendLock = new Object();
  private List<String> pending = new ArrayList<>();
  private boolean sending;
  private Buffer partial = Buffer.buffer();
  private boolean opened;
  private volatile boolean counting;
  private volatile boolean closed;
  private volatile String failure;
  private int retries;

  /**
   * @param streams  client for the streaming requests (one request per TCP connection)
   * @param sends    client for {@code xhr_send}
   * @param deliveries where a subscriber counts deliveries; null for a publisher
   * @param register the gateway's register message, sent once the session is open; or null
   */
  SockJsSession(Endpoint endpoint, HttpClient streams, HttpClient sends, Deliveries deliveries,
                String register) {
    this.endpoint = endpoint;
    this.streams = streams;
    this.sends = sends;
    this.deliveries = deliveries;
    this.register = register;
    ThreadLocalRandom r = ThreadLocalRandom.current();
    this.base = Target.SOCKJS_PREFIX + "/" + r.nextInt(100, 1000) + "/"
        + Long.toHexString(r.nextLong()) + "x" + Long.toHexString(r.nextLong());
  }

  /** Opens the session; completes when it is ready (see the class comment). */
  Future<Void> start() {
    stream();
    return ready.future();
  }

  /** Stops reopening the stream; the connections go when the clients are closed. */
  void close() {
    closed = true;
  }

  /** Why the session stopped working (a reopen that failed for good), or null. */
  String failure() {
    return failure;
  }

  /** Messages of {@link #send} that no xhr_send delivered (failed request or over the bound). */
  long failedMessages() {
    return failedMessages.sum();
  }

  /** Queues a message for the next xhr_send, or sends it at once when none is in flight. */
  @Override
  public void send(String text) {
    synchronized (sendLock) {
      if (sending) {
        if (pending.size() < MAX_PENDING) {
          pending.add(text);
        } else {
          failedMessages.increment();
        }
        return;
      }
      sending = true;
    }
    xhrSend(List.of(text));
  }

  private void xhrSend(List<String> batch) {
    post(sends, "/xhr_send", new JsonArray(new ArrayList<>(batch)).encode()).onComplete(ar -> {
      if (ar.failed() || ar.result().statusCode() / 100 != 2) {
        failedMessages.add(batch.size());
      }
      List<String> next;
      synchronized (sendLock) {
        if (pending.isEmpty()) {
          sending = false;
          return;
        }
        next = pending;
        pending = new ArrayList<>();
      }
      xhrSend(next);
    });
  }

  private Future<HttpClientResponse> post(HttpClient client, String path, String body) {
    RequestOptions o = options(HttpMethod.POST, path)
        .putHeader("Content-Type", "text/plain;charset=UTF-8");
    return client.request(o).compose(req -> req.send(body));
  }

  private RequestOptions options(HttpMethod method, String path) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(endpoint.port())
        .setURI(base + path).setTimeout(0).setIdleTimeout(0);
  }

  private void stream() {
    if (closed) {
      return;
    }
    Kind kind = endpoint.kind();
    streams.request(options(kind.method, kind.path))
        .compose(req -> req.send())
        .onSuccess(this::onResponse)
        .onFailure(err -> retry("reopen failed: " + err));
  }

  private void retry(String why) {
    if (closed) {
      return;
    }
    if (++retries > MAX_RETRIES) {
      failure = why + " (" + MAX_RETRIES + " retries)";
      ready.tryFail(failure);
      return;
    }
    endpoint.vertx().setTimer(Math.min(1_000, 10L * retries), t -> stream());
  }

  private void onResponse(HttpClientResponse res) {
    if (res.statusCode() != 200) {
      res.end(); // the body of the refusal, if any, is not needed
      retry(endpoint.kind().path + " status " + res.statusCode());
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

  /** One line of the body: a frame ({@code xhr_streaming}) or {@code data: FRAME\r} (eventsource). */
  private void onLine(Buffer data, int from, int to) {
    byte[] prefix = endpoint.kind().linePrefix;
    if (to > from && data.getByte(to - 1) == '\r') {
      to--;
    }
    if (prefix.length > 0) {
      if (!startsWith(data, from, to, prefix)) {
        return; // the eventsource preamble, the blank line after each event
      }
      from += prefix.length;
    }
    if (from == to) {
      return;
    }
    byte kind = data.getByte(from);
    if (kind == 'a') {
      if (counting) {
        if (deliveries.scan(data, from, to, MARKER) > 0) {
          deliveries.addBytes(to - from);
        }
      } else if (data.getString(from, to).contains(ACK)) {
        counting = deliveries != null;
        ready.tryComplete();
      }
    } else if (kind == 'o' && to - from == 1 && !opened) {
      opened = true;
      onOpen();
    } else if (kind == 'c') {
      failure = "closed by the server: " + data.getString(from, to);
      ready.tryFail(failure);
    }
  }

  private static boolean startsWith(Buffer data, int from, int to, byte[] prefix) {
    if (to - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data.getByte(from + i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private void onOpen() {
    if (register != null) {
      post(streams, "/xhr_send", new JsonArray().add(register).encode()).onComplete(ar -> {
        if (ar.failed() || ar.result().statusCode() / 100 != 2) {
          ready.tryFail("register over xhr_send failed: "
              + (ar.failed() ? ar.cause() : "status " + ar.result().statusCode()));
        }
      });
    } else if (!endpoint.target().sockJsAcksSessions()) {
      ready.tryComplete(); // the gateway's publisher: open is enough
    }
  }
}
