package dev.gateway.support;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Server-Sent Events client over a real Vert.x HttpClient, parsing the stream as the HTML
 * standard's EventSource does: lines end with CRLF, LF or CR; a blank line dispatches; {@code :}
 * starts a comment; {@code data:} lines join with LF; {@code id:} sets the last event id (kept
 * across events, also by a block without data); {@code retry:} takes digits only; one space
 * after the colon is dropped. It does not reconnect by itself: {@link #lastEventId()} is what an
 * EventSource would send as {@code Last-Event-ID}.
 */
public final class SseClient implements AutoCloseable {

  /** One dispatched event ({@code type} "message" unless the stream named one). */
  public record Event(String type, String id, String data) {
    public JsonObject json() {
      return new JsonObject(data);
    }
  }

  private final HttpClient http;
  private final HttpClientResponse response;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final Buffer body = Buffer.buffer();
  private final StringBuilder data = new StringBuilder();
  private volatile String lastEventId = "";
  private volatile long retry = -1;
  private volatile int comments;
  private volatile boolean ended;
  private String idBuffer = "";
  private String type = "";
  private boolean lastWasCr;

  private SseClient(HttpClient http, HttpClientResponse response) {
    this.http = http;
    this.response = response;
  }

  /** {@code GET path} on 127.0.0.1:port with the given headers; returns once the head arrived. */
  public static SseClient open(Vertx vertx, int port, String path, Map<String, String> headers) {
    return open(vertx, new HttpClientOptions(), port, path, headers);
  }

  /** As {@link #open(Vertx, int, String, Map)} with client options (a small receive buffer). */
  public static SseClient open(Vertx vertx, HttpClientOptions options, int port, String path,
                               Map<String, String> headers) {
    HttpClient http = vertx.createHttpClient(options.setKeepAlive(false));
    try {
      RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
          .setPort(port).setURI(path);
      MultiMap h = MultiMap.caseInsensitiveMultiMap().addAll(headers);
      request.setHeaders(h.add("Accept", "text/event-stream"));
      SseClient[] client = new SseClient[1];
      HttpClientResponse response = http.request(request)
          .compose(req -> req.send().map(resp -> {
            SseClient c = new SseClient(http, resp);
            client[0] = c;
            resp.handler(c::chunk);
            resp.endHandler(v -> c.ended = true);
            resp.exceptionHandler(e -> c.ended = true);
            return resp;
          })).await(10, TimeUnit.SECONDS);
      return client[0];
    } catch (Exception e) {
      http.close();
      throw new AssertionError("GET " + path + " failed: " + e, e);
    }
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  /** The whole body read so far (for a refusal: its JSON once {@link #awaitEnd} returned). */
  public synchronized String body() {
    return body.toString(StandardCharsets.UTF_8);
  }

  public String lastEventId() {
    return lastEventId;
  }

  public long retry() {
    return retry;
  }

  public int comments() {
    return comments;
  }

  public boolean ended() {
    return ended;
  }

  /** Stops reading (TCP pushes back on the server), or reads again. */
  public void pause() {
    response.pause();
  }

  public void resume() {
    response.resume();
  }

  /** The next event within {@code seconds}, or null. */
  public Event next(long seconds) throws InterruptedException {
    return events.poll(seconds, TimeUnit.SECONDS);
  }

  /** The next event matching, skipping others (kept in {@code skipped} when not null). */
  public Event await(Predicate<Event> match, long seconds, List<Event> skipped)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      Event e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError("no matching event within " + seconds + " s; skipped " + skipped);
      }
      if (match.test(e)) {
        return e;
      }
      if (skipped != null) {
        skipped.add(e);
      }
    }
  }

  /** The next event of that type. */
  public Event await(String eventType, long seconds) throws InterruptedException {
    return await(e -> e.type().equals(eventType), seconds, new ArrayList<>());
  }

  /** Waits for the end of the response. */
  public void awaitEnd(long seconds) {
    Await.value(() -> ended ? 1 : 0, v -> v == 1, seconds);
    if (!ended) {
      throw new AssertionError("the response did not end within " + seconds + " s");
    }
  }

  private synchronized void chunk(Buffer chunk) {
    body.appendBuffer(chunk);
    byte[] b = chunk.getBytes();
    for (byte x : b) {
      if (x == '\n' && lastWasCr) {
        lastWasCr = false;
        continue; // the LF of a CRLF
      }
      lastWasCr = x == '\r';
      if (x == '\r' || x == '\n') {
        line(line.toString(StandardCharsets.UTF_8));
        line.reset();
      } else {
        line.write(x);
      }
    }
  }

  private void line(String l) {
    if (l.isEmpty()) {
      dispatch();
      return;
    }
    if (l.startsWith(":")) {
      comments++;
      return;
    }
    int colon = l.indexOf(':');
    String field = colon < 0 ? l : l.substring(0, colon);
    String value = colon < 0 ? "" : l.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> data.append(value).append('\n');
      case "event" -> type = value;
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          idBuffer = value;
        }
      }
      case "retry" -> {
        if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
          retry = Long.parseLong(value);
        }
      }
      default -> { }
    }
  }

  private void dispatch() {
    lastEventId = idBuffer;
    if (data.length() == 0) {
      type = "";
      return;
    }
    String d = data.substring(0, data.length() - 1);
    events.add(new Event(type.isEmpty() ? "message" : type, lastEventId, d));
    data.setLength(0);
    type = "";
  }

  @Override
  public void close() {
    http.close();
  }
}
