package dev.gateway.support.sockjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.HttpExchange.Reply;
import dev.gateway.support.HttpExchange;
import dev.gateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A SockJS session the test drives request by request (xhr-polling polls, {@code xhr_send}s,
 * xhr-streaming receivers), each sent to whichever node the test names; nothing happens between
 * two calls (a session nobody polls, as a stalled client leaves it). The HTTP client must not
 * keep connections alive: SockJS closes polling connections, and a pooled connection reused
 * after that fails the request.
 */
public final class ManualSession {

  private final HttpClient http;
  public final String id = UUID.randomUUID().toString().replace("-", "");
  public final String path = "/eventbus/000/" + id;
  /** Every frame polled, as {@code NODE:FRAME}. */
  public final List<String> frames = new ArrayList<>();
  /** Messages polled that no {@link #await} took yet. */
  public final List<JsonObject> inbox = new ArrayList<>();
  /** Requests sent, by node name. */
  public final Map<String, Integer> requests = new HashMap<>();

  public ManualSession(HttpClient http) {
    this.http = http;
  }

  /** One POST to the node, body read fully (15 s at most). */
  public Reply post(TestGateway node, String uri, String body, MultiMap headers) {
    return HttpExchange.request(http, HttpMethod.POST, node.port, uri,
        HttpExchange.sockJsHeaders(headers, body), body, 15);
  }

  /** {@code xhr_send} of this raw body to the node; the answer, whatever its status. */
  public Reply xhrSend(TestGateway node, String rawBody) {
    requests.merge(node.name, 1, Integer::sum);
    return post(node, path + "/xhr_send", rawBody, MultiMap.caseInsensitiveMultiMap());
  }

  /** {@code xhr_send} of the messages (one JSON array of strings); must answer 204. */
  public Reply send(TestGateway node, JsonObject... messages) {
    JsonArray array = new JsonArray();
    for (JsonObject m : messages) {
      array.add(m.encode());
    }
    Reply r = xhrSend(node, array.encode());
    assertEquals(204, r.status(), "xhr_send via " + node.name + " answered: " + r.body());
    return r;
  }

  /** One xhr poll: exactly one frame, whatever it is; array frames go to the inbox. */
  public String pollAny(TestGateway node) {
    requests.merge(node.name, 1, Integer::sum);
    Reply r = post(node, path + "/xhr", null, MultiMap.caseInsensitiveMultiMap());
    assertEquals(200, r.status(), "poll via " + node.name + " answered: " + r.body());
    assertTrue(r.body().endsWith("\n"), "poll via " + node.name + ": not a frame: " + r.body());
    String frame = r.body().substring(0, r.body().length() - 1);
    frames.add(node.name + ":" + frame);
    SockJsFrame parsed = SockJsFrame.parse(frame);
    parsed.messages().forEach(s -> inbox.add(new JsonObject(s)));
    return frame;
  }

  /** One xhr poll that must not be a close frame; array frames go to the inbox. */
  public String poll(TestGateway node) {
    String frame = pollAny(node);
    assertTrue(!frame.startsWith("c"), "close frame via " + node.name + ": " + frame
        + " (frames so far " + frames + ")");
    return frame;
  }

  /** Polls the node until a message matches (others stay in the inbox). */
  public JsonObject await(TestGateway node, Predicate<JsonObject> match, String what) {
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

  /** Open frames polled so far. */
  public long opens() {
    return frames.stream().filter(f -> f.endsWith(":o")).count();
  }

  /**
   * An xhr-streaming receiver for this session on the node (the session is open already: a
   * second open frame is a failure of the stream). Close it to cancel the stream.
   */
  public StreamingSession stream(Vertx vertx, TestGateway node) {
    requests.merge(node.name, 1, Integer::sum);
    return StreamingSession.attach(vertx, node.port, path);
  }
}
