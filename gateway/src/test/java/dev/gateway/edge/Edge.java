package dev.gateway.edge;

import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoublePredicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the edge tests share: reading the gateway's own gauges and counters (a sample the
 * gateway does not export is a failure, never a silent 0), hand-signed JWTs (so a claim can
 * have any JSON type), and a capture of every log record the JVM writes.
 */
final class Edge {

  /** An HS256 secret long enough for {@code auth.hs256Secret}. */
  static final String SECRET = "edge-tests-secret-0123456789abcdef-0123456789";
  static final String SLOTS = "gateway_connection_slots_in_use";
  static final String QUEUE_BYTES = "gateway_outbound_queue_bytes";
  static final String ADDRESS_MISMATCH = "gateway_sockjs_refused_total{reason=\"address_mismatch\"}";

  private Edge() {
  }

  /** {@code {"demo":{"enabled":false}}} plus the given sections: a quiet node. */
  static JsonObject config(Object... sectionAndValues) {
    JsonObject c = new JsonObject().put("demo", new JsonObject().put("enabled", false));
    for (int i = 0; i < sectionAndValues.length; i += 2) {
      c.put((String) sectionAndValues[i], sectionAndValues[i + 1]);
    }
    return c;
  }

  /** An auth section: this mode with {@link #SECRET}, leeway 0, plus extra keys. */
  static JsonObject auth(String mode, Object... keyAndValues) {
    JsonObject a = new JsonObject().put("mode", mode).put("hs256Secret", SECRET).put("leewaySeconds", 0);
    for (int i = 0; i < keyAndValues.length; i += 2) {
      a.put((String) keyAndValues[i], keyAndValues[i + 1]);
    }
    return a;
  }

  /** A permissions section whose channel namespaces ({@code subscribe}) are these patterns. */
  static JsonObject channels(String... patterns) {
    return new JsonObject().put("subscribe", new io.vertx.core.json.JsonArray(java.util.List.of(patterns)));
  }

  /** Runs a step; an assertion failure inside it (a read timing out...) is prefixed with {@code what}. */
  static <T> T step(String what, java.util.function.Supplier<T> step) {
    try {
      return step.get();
    } catch (AssertionError e) {
      throw new AssertionError(what + ": " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ metrics

  /** The value of one sample (exact name and labels), if the gateway exports it. */
  static OptionalDouble find(TestGateway gw, String sample) {
    for (String line : gw.scrape().split("\n")) {
      if (line.startsWith(sample + " ")) {
        return OptionalDouble.of(Double.parseDouble(line.substring(sample.length() + 1).trim()));
      }
    }
    return OptionalDouble.empty();
  }

  /** The value of one sample; fails when the gateway does not export it. */
  static double sample(TestGateway gw, String sample) {
    OptionalDouble v = find(gw, sample);
    if (v.isEmpty()) {
      throw new AssertionError("the gateway exports no sample " + sample);
    }
    return v.getAsDouble();
  }

  /** The sum of every sample of a metric whose labels contain all of {@code labels} (none: all). */
  static double sum(TestGateway gw, String name, String... labels) {
    double total = 0;
    boolean any = false;
    for (String line : gw.scrape().split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean all = true;
      for (String l : labels) {
        all &= line.contains(l);
      }
      if (all) {
        any = true;
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    if (!any) {
      throw new AssertionError("the gateway exports no sample of " + name + " with " + List.of(labels));
    }
    return total;
  }

  /** Open connections over every transport ({@code gateway_connections}). */
  static double connections(TestGateway gw) {
    return sum(gw, "gateway_connections");
  }

  /**
   * Waits until the sample satisfies the condition (a sample not exported yet, such as a counter
   * before its first increment, is waited for); fails with its last value after {@code seconds}.
   */
  static double awaitSample(TestGateway gw, String sample, DoublePredicate ok, double seconds, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    OptionalDouble v = find(gw, sample);
    while ((v.isEmpty() || !ok.test(v.getAsDouble())) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      v = find(gw, sample);
    }
    if (v.isEmpty()) {
      throw new AssertionError(what + ": the gateway exports no sample " + sample + " (waited " + seconds + " s)");
    }
    if (!ok.test(v.getAsDouble())) {
      throw new AssertionError(what + ": " + sample + " is " + v.getAsDouble() + " after " + seconds + " s");
    }
    return v.getAsDouble();
  }

  /** Waits until the open connections of every transport add up to {@code expected}. */
  static void awaitConnections(TestGateway gw, double expected, double seconds) throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (connections(gw) != expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    if (connections(gw) != expected) {
      throw new AssertionError("gateway_connections (all transports) is " + connections(gw)
          + ", expected " + expected);
    }
  }

  /**
   * Waits up to 3 s until the node holds exactly this many open connections (every transport)
   * and connection slots, and fewer queued bytes than {@code maxQueueBytes}; fails naming what
   * it still holds {@code after} something.
   */
  static void assertHolds(TestGateway gw, double connections, double slots, double maxQueueBytes, String after)
      throws InterruptedException {
    long deadline = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < deadline && !(connections(gw) == connections
        && find(gw, SLOTS).orElse(-1) == slots && sample(gw, QUEUE_BYTES) < maxQueueBytes)) {
      Thread.sleep(20);
    }
    double c = connections(gw);
    double q = sample(gw, QUEUE_BYTES);
    org.junit.jupiter.api.Assertions.assertAll("what the node holds after " + after,
        () -> org.junit.jupiter.api.Assertions.assertEquals(connections, c, 0.0, "open connections"),
        () -> org.junit.jupiter.api.Assertions.assertEquals(slots, sample(gw, SLOTS), 0.0, SLOTS),
        () -> org.junit.jupiter.api.Assertions.assertTrue(q < maxQueueBytes, QUEUE_BYTES + " " + q));
  }

  // ------------------------------------------------------------------ tokens

  /** An HS256 JWT over exactly these claims (any JSON types), signed with {@link #SECRET}. */
  static String jwt(JsonObject claims) {
    return jwt(claims.encode());
  }

  /** An HS256 JWT whose payload is exactly this text (need not be a JSON object), signed with {@link #SECRET}. */
  static String jwt(String payload) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String head = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String body = b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] sig = mac.doFinal((head + "." + body).getBytes(StandardCharsets.US_ASCII));
      return head + "." + body + "." + b64.encodeToString(sig);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A valid token for a minute with these claims (plus a fresh jti unless given). */
  static String validJwt(JsonObject claims) {
    JsonObject c = claims.copy();
    long now = System.currentTimeMillis() / 1000;
    c.put("iat", now).put("exp", now + 60);
    if (!c.containsKey("jti")) {
      c.put("jti", "edge-" + System.nanoTime());
    }
    return jwt(c);
  }

  // ------------------------------------------------------------------ logs

  /**
   * Every log record written while open, at every level (Vert.x, Netty and the gateway log
   * through java.util.logging), as text: logger, message, parameters and the thrown chain.
   */
  static final class LogCapture extends Handler implements AutoCloseable {
    private final List<String> records = new CopyOnWriteArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final Level rootLevel = root.getLevel();
    private final Map<Handler, Level> handlerLevels = new java.util.HashMap<>();

    LogCapture() {
      setLevel(Level.ALL);
      for (Handler h : root.getHandlers()) {
        handlerLevels.put(h, h.getLevel());
        if (h.getLevel().intValue() < Level.INFO.intValue()) {
          h.setLevel(Level.INFO); // keep the console as it was meant to be
        }
      }
      root.setLevel(Level.ALL);
      root.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
      StringBuilder sb = new StringBuilder(r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage());
      if (r.getParameters() != null) {
        for (Object p : r.getParameters()) {
          sb.append(" | ").append(p);
        }
      }
      for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
        sb.append(" | thrown: ").append(t);
      }
      records.add(sb.toString());
    }

    /** The records containing any of the needles. */
    List<String> containing(String... needles) {
      List<String> out = new ArrayList<>();
      for (String r : records) {
        for (String n : needles) {
          if (r.contains(n)) {
            out.add(r);
            break;
          }
        }
      }
      return out;
    }

    int size() {
      return records.size();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
      root.removeHandler(this);
      root.setLevel(rootLevel);
      handlerLevels.forEach(Handler::setLevel);
    }
  }
}
