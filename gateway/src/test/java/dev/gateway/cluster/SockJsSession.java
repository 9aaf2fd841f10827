package dev.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.HttpExchange;
import dev.gateway.support.HttpExchange.Reply;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A SockJS session driven by raw HTTP requests (xhr-polling, xhr_send, xhr_streaming), each sent
 * to whichever node the test names. The HTTP client must not keep connections alive: SockJS
 * closes polling connections, and a pooled connection reused after that fails the request.
 */
final class SockJsSession {

  final HttpClient http;
  final String id = UUID.randomUUID().toString().replace("-", "");
  final String path = "/eventbus/000/" + id;
  /** Every frame polled, as {@code NODE:FRAME}. */
  final List<String> frames = new ArrayList<>();
  final List<JsonObject> inbox = new ArrayList<>();
  /** Requests sent, by node name. */
  final Map<String, Integer> requests = new HashMap<>();

  SockJsSession(HttpClient http) {
    this.http = http;
  }

  /** One POST to the node, body read fully (15 s at most). */
  static Reply post(HttpClient http, ClusterNode node, String uri, String body, MultiMap headers) {
    return HttpExchange.request(http, HttpMethod.POST, node.port, uri,
        HttpExchange.sockJsHeaders(headers, body), body, 15);
  }

  /** xhr_send of the messages (one JSON array of strings); must answer 204. */
  Reply send(ClusterNode node, JsonObject... messages) {
    JsonArray array = new JsonArray();
    for (JsonObject m : messages) {
      array.add(m.encode());
    }
    requests.merge(node.name, 1, Integer::sum);
    Reply r = post(http, node, path + "/xhr_send", array.encode(), MultiMap.caseInsensitiveMultiMap());
    assertEquals(204, r.status(), "xhr_send via " + node.name + " answered: " + r.body());
    return r;
  }

  /** One xhr poll: exactly one frame, never a close frame; array frames go to the inbox. */
  String poll(ClusterNode node) {
    requests.merge(node.name, 1, Integer::sum);
    Reply r = post(http, node, path + "/xhr", null, MultiMap.caseInsensitiveMultiMap());
    assertEquals(200, r.status(), "poll via " + node.name + " answered: " + r.body());
    assertTrue(r.body().endsWith("\n"), "poll via " + node.name + ": not a frame: " + r.body());
    String frame = r.body().substring(0, r.body().length() - 1);
    frames.add(node.name + ":" + frame);
    assertTrue(!frame.startsWith("c"), "close frame via " + node.name + ": " + frame
        + " (frames so far " + frames + ")");
    if (frame.startsWith("a")) {
      new JsonArray(frame.substring(1)).forEach(s -> inbox.add(new JsonObject((String) s)));
    }
    return frame;
  }

  /** Polls the node until a message matches (others stay in the inbox). */
  JsonObject await(ClusterNode node, Predicate<JsonObject> match, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      for (JsonObject m : inbox) {
        if (match.test(m)) {
          inbox.remove(m);
          return m;
        }
      }
      assertTrue(System.nanoTime() < deadline, "never received " + what + "; frames " + frames);
      poll(node);
    }
  }

  long opens() {
    return frames.stream().filter(f -> f.endsWith(":o")).count();
  }

  /**
   * Opens {@code POST <session>/xhr_streaming} on the node. The response head comes with the
   * first frame (vertx-web writes the prelude lazily on a session that is already open).
   */
  Stream stream(ClusterNode node) {
    Stream stream = new Stream();
    requests.merge(node.name, 1, Integer::sum);
    stream.head = http.request(HttpMethod.POST, node.port, "127.0.0.1", path + "/xhr_streaming")
        .compose(req -> {
          stream.request = req;
          Future<HttpClientResponse> resp = req.response()
              .onSuccess(r -> r.handler(stream::chunk));
          req.end();
          return resp;
        });
    return stream;
  }

  /** The frames of an xhr_streaming response, line by line (the 2048-'h' prelude checked). */
  static final class Stream {
    final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    volatile Future<HttpClientResponse> head;
    volatile HttpClientRequest request;
    private Buffer pending = Buffer.buffer();
    private boolean prelude = true;

    private void chunk(Buffer data) {
      pending.appendBuffer(data);
      int start = 0;
      for (int i = 0; i < pending.length(); i++) {
        if (pending.getByte(i) == '\n') {
          String line = pending.getString(start, i, StandardCharsets.UTF_8.name());
          if (prelude) {
            prelude = false;
            if (line.length() != 2048 || !line.chars().allMatch(c -> c == 'h')) {
              frames.add("bad prelude: " + line);
            }
          } else {
            frames.add(line);
          }
          start = i + 1;
        }
      }
      pending = pending.getBuffer(start, pending.length());
    }

    /** Next message matching, from array frames; fails on an open or close frame. */
    JsonObject await(Predicate<JsonObject> match, String what) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (true) {
        long left = deadline - System.nanoTime();
        String frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
        assertNotNull(frame, "stream: never received " + what + " (head " + head + ")");
        assertTrue(!frame.equals("o") && !frame.startsWith("c") && !frame.startsWith("bad"),
            "stream: unexpected frame " + frame);
        if (frame.startsWith("a")) {
          for (Object s : new JsonArray(frame.substring(1))) {
            JsonObject m = new JsonObject((String) s);
            if (match.test(m)) {
              return m;
            }
          }
        }
      }
    }

    void cancel() {
      if (request != null) {
        request.reset();
      }
    }
  }
}
