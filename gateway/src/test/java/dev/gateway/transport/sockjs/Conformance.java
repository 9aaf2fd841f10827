package dev.gateway.transport.sockjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Head;
import dev.gateway.transport.sockjs.RawHttp.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What the SockJS conformance tests share: the gateway configurations that stand in for the
 * reference suite's test server (sockjs-protocol 0.3.3), the bridge messages that stand in for
 * its echo and close services, and the header checks the reference applies everywhere.
 *
 * <p>The gateway is not an echo server: a message comes back when it is a bridge {@code send} to
 * the demo {@code echo} service with a reply address ({@link #echo}); the session is closed by
 * the gateway when a client on the {@link #closingConfig} node sends two messages at once (rate
 * limit), with {@link #CLOSE_FRAME} instead of the reference's {@code c[3000,"Go away!"]}.
 */
final class Conformance {

  static final String BASE = "/eventbus";
  /** The one cross-origin page the test gateways allow (stands in for the reference's "test"). */
  static final String ORIGIN = "http://app.test";
  static final String NOT_CACHED = "no-store, no-cache, no-transform, must-revalidate, max-age=0";
  /** What the closing node answers once it closed a session. */
  static final String CLOSE_FRAME = "c[4003,\"rate limit exceeded\"]";
  /** The reference's test server closes streaming responses after this many bytes. */
  static final int STREAMING_LIMIT = 4096;
  /** Session timeout of the closing node: closed sessions are forgotten this long after. */
  static final long CLOSING_SESSION_TIMEOUT_MS = 1_500;
  /**
   * How long a test lets the server take in a request it sent or a connection it closed before
   * the next step depends on it (the reference waits 250 ms; the machine is shared).
   */
  static final long SETTLE_MS = 400;
  private static final Pattern MAX_AGE_ONE_YEAR = Pattern.compile("max-age=[1-9][0-9]{6}");

  private Conformance() {
  }

  /** Every transport on, the iframe page on, streaming responses recycled after 4096 bytes. */
  static JsonObject config() {
    return new JsonObject()
        .put("sockjs", new JsonObject()
            .put("transports", new JsonArray(List.of("websocket", "xhr", "eventsource", "htmlfile",
                "jsonp")))
            .put("iframe", true)
            .put("maxBytesStreaming", STREAMING_LIMIT))
        .put("security", new JsonObject().put("allowedOrigins", new JsonArray().add(ORIGIN)));
  }

  /**
   * {@link #config()} on a node that closes a session as soon as it sends two messages at once
   * (one message per second, burst 1, no strikes: {@link #closeTrigger()}), with a short session
   * timeout.
   */
  static JsonObject closingConfig() {
    JsonObject c = config();
    c.getJsonObject("sockjs").put("sessionTimeoutMs", CLOSING_SESSION_TIMEOUT_MS);
    return c.put("limits", new JsonObject().put("messagesPerSecond", 1).put("messageBurst", 1)
        .put("rateLimitStrikes", 0));
  }

  /** {@link #config()} with SockJS heartbeats every {@code heartbeatMs}. */
  static JsonObject heartbeatConfig(long heartbeatMs) {
    JsonObject c = config();
    c.getJsonObject("sockjs").put("heartbeatMs", heartbeatMs);
    return c;
  }

  static TestGateway start(JsonObject config) {
    return TestGateway.start(config);
  }

  /** A fresh session URL, {@code /eventbus/000/<uuid>}, as the reference builds them. */
  static String session() {
    return BASE + "/000/" + UUID.randomUUID();
  }

  // --- bridge messages ---

  /** A bridge {@code send} to the demo echo service; the reply is a {@code rec} to {@code reply}. */
  static String echo(String reply, Object body) {
    return new JsonObject().put("type", "send").put("address", "echo").put("body", body)
        .put("replyAddress", reply).encode();
  }

  /** What a client sends: a JSON array of strings, one per message. */
  static String payload(String... messages) {
    return new JsonArray(List.of((Object[]) messages)).encode();
  }

  /** Two pings at once: the closing node closes the session with {@link #CLOSE_FRAME}. */
  static String closeTrigger() {
    String ping = new JsonObject().put("type", "ping").encode();
    return payload(ping, ping);
  }

  /** The messages of an array frame {@code a[...]} (no transport wrapping). */
  static List<String> messages(String frame) {
    assertTrue(frame.startsWith("a["), "not an array frame: " + RawHttp.printable(frame));
    List<String> out = new ArrayList<>();
    for (Object o : new JsonArray(frame.substring(1))) {
      out.add((String) o);
    }
    return out;
  }

  /** The one message of an array frame, parsed: it must be the echo's reply to {@code reply}. */
  static Object echoed(String frame, String reply) {
    List<String> messages = messages(frame);
    assertEquals(1, messages.size(), "one message expected in " + frame);
    return recBody(messages.get(0), reply);
  }

  /** The body of a bridge {@code rec} message addressed to {@code reply}. */
  static Object recBody(String message, String reply) {
    JsonObject rec = new JsonObject(message);
    assertEquals("rec", rec.getString("type"), message);
    assertEquals(reply, rec.getString("address"), message);
    return rec.getValue("body");
  }

  /** The cross-origin request header of the allowed origin. */
  static Map<String, String> fromOrigin() {
    return Map.of("Origin", ORIGIN);
  }

  // --- xhr polling ---

  /** {@code POST session/xhr}: 200, the body. */
  static String poll(int port, String session) {
    Response r = RawHttp.post(port, session + "/xhr", null);
    assertEquals(200, r.status(), r.toString());
    return r.body();
  }

  /** {@code POST session/xhr_send}: 204 with no body. */
  static void xhrSend(int port, String session, String payload) {
    Response r = RawHttp.post(port, session + "/xhr_send", payload);
    assertEquals(204, r.status(), r.toString());
    assertEquals("", r.body());
  }

  // --- header checks of the reference ---

  /** The content type, spaces ignored (as the reference compares it). */
  static void assertContentType(Head h, String expected) {
    String type = h.header("content-type");
    assertNotNull(type, "no Content-Type: " + h);
    assertEquals(expected, type.replace(" ", ""), h.toString());
  }

  /** Private data requested with GET or POST must not be cached. */
  static void assertNotCached(Head h) {
    assertEquals(NOT_CACHED, h.header("cache-control"), h.toString());
    assertNull(h.header("expires"), h.toString());
    assertNull(h.header("last-modified"), h.toString());
  }

  /** No cookie, JSESSIONID or other: the gateway needs none ({@code cookie_needed:false}). */
  static void assertNoCookie(Head h) {
    assertTrue(h.all("set-cookie").isEmpty(), "Set-Cookie sent: " + h);
  }

  /** An allowed Origin is echoed, with credentials. */
  static void assertCors(Head h, String origin) {
    assertEquals(origin, h.header("access-control-allow-origin"), h.toString());
    assertEquals("true", h.header("access-control-allow-credentials"), h.toString());
  }

  /** Strongly cacheable for a long time (a year is best). */
  static void assertCacheable(Head h) {
    String cc = h.header("cache-control");
    assertNotNull(cc, "no Cache-Control: " + h);
    assertTrue(cc.contains("public"), h.toString());
    assertTrue(MAX_AGE_ONE_YEAR.matcher(cc).find(), "max-age must be large: " + h);
    assertNotNull(h.header("expires"), "no Expires: " + h);
  }

  /**
   * The reference's {@code verify_options}: the CORS preflight of {@code path} is cacheable,
   * lists the methods, has no body and echoes the allowed Origin with credentials.
   */
  static void assertPreflight(int port, String path, String methods) {
    Response r = RawHttp.exchange(port, "OPTIONS", path,
        Map.of("Origin", ORIGIN, "Access-Control-Request-Method", methods), null);
    assertTrue(r.status() == 204 || r.status() == 200, "OPTIONS " + path + ": " + r);
    assertCacheable(r.head());
    String maxAge = r.header("access-control-max-age");
    assertNotNull(maxAge, "no Access-Control-Max-Age: " + r);
    assertTrue(Long.parseLong(maxAge) > 1_000_000, r.toString());
    String allowed = r.header("access-control-allow-methods");
    assertNotNull(allowed, "no Access-Control-Allow-Methods: " + r);
    for (String m : methods.split(",")) {
      assertTrue(allowed.contains(m.strip()), m + " not in Access-Control-Allow-Methods: " + r);
    }
    assertEquals("", r.body(), "OPTIONS " + path);
    assertCors(r.head(), ORIGIN);
    assertNoCookie(r.head());
  }

  /** Fails unless the body is empty (or absent). */
  static void assertNoBody(Response r) {
    assertFalse(r.body().length() > 0, "body: " + r);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
