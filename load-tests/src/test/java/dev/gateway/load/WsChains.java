package dev.gateway.load;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpDsl;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.Ws;
import java.time.Duration;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Native WebSocket ({@code /ws}) steps shared by every simulation, and the HTTP protocol they use.
 * Gatling records a send and the check that awaits its answer as two requests; the checks' names
 * carry the times that matter: {@code connect} (handshake), {@code subscribe ack} (register to
 * ack), {@code publish delivered} (publish to the message's arrival on the publisher's own
 * connection: publish-to-delivery latency), {@code verify deliveries} (an echo round trip whose
 * check fails when the subscriber's ledger holds problems); plus {@code publish (http)} and
 * {@code close}.
 *
 * <p>Gatling drops a message that arrives while a check is pending and does not match it, so
 * every matcher here hands such messages to the user's {@link DeliveryLedger} before refusing
 * them. Messages that arrive between checks are buffered and handed over by {@link #drain()};
 * Gatling clears that buffer on every send, so every step that sends drains first (in the same
 * event-loop task: nothing can arrive in between).
 */
public final class WsChains {

  /** Session keys. */
  static final String CHANNEL = "channel";
  static final String SELF = "self";
  static final String SEQ = "seq";
  static final String N = "n";
  static final String WS_NAME = "wsName";

  private final LoadConfig cfg;
  private final RunState state;
  private final String padding;

  public WsChains(LoadConfig cfg, RunState state) {
    this.cfg = cfg;
    this.state = state;
    this.padding = Frames.padding(cfg.payloadBytes);
  }

  public static HttpProtocolBuilder protocol(LoadConfig cfg) {
    HttpProtocolBuilder p = http.baseUrls(cfg.urls).wsBaseUrls(cfg.wsUrls())
        .wsUnmatchedInboundMessageBufferSize(cfg.bufferSize)
        .sseUnmatchedInboundMessageBufferSize(cfg.bufferSize)
        .userAgentHeader("gateway-load-tests (Gatling)")
        .disableAutoReferer().disableAutoOrigin().disableCaching().disableWarmUp();
    return cfg.origin.isEmpty() ? p : p.originHeader(cfg.origin);
  }

  /** The user's WebSocket (several per user only in the churn, which names each cycle's). */
  static Ws socket(String requestName) {
    return HttpDsl.ws(requestName).wsName(s -> s.contains(WS_NAME) ? s.getString(WS_NAME) : "main");
  }

  public ChainBuilder connect() {
    return exec(socket("connect").connect("/ws").subprotocol(Frames.SUBPROTOCOL));
  }

  /** Registers to the session's channel and waits for the gateway's ack. */
  public ChainBuilder subscribe() {
    Function<Session, String> ack = s -> "a" + s.userId() + "-" + s.getInt(N);
    return exec(drain()).exec(s -> s.set(N, s.contains(N) ? s.getInt(N) + 1 : 0)).exec(socket("subscribe")
        .sendText(s -> Frames.register(s.getString(CHANNEL), ack.apply(s)))
        .await(cfg.timeout).on(HttpDsl.ws.checkTextMessage("subscribe ack")
            .matching(awaiting((m, s) -> "ack".equals(m.path("type").asText())
                && ack.apply(s).equals(m.path("ack").asText())
                || "err".equals(m.path("type").asText()) && !m.has("address")))
            .check(expectType("ack"))));
  }

  /**
   * Publishes the next numbered message of {@code SELF} to the channel and waits for it to come
   * back on this connection (subscribed to the channel): the response time is publish-to-delivery.
   */
  public ChainBuilder publishAndReceive() {
    return exec(drain()).exec(s -> s.set(SEQ, s.contains(SEQ) ? s.getLong(SEQ) + 1 : 0L)).exec(socket("publish")
        .sendText(s -> Frames.publish(s.getString(CHANNEL),
            Frames.message(s.getString(SELF), s.getLong(SEQ), padding)))
        .await(cfg.timeout).on(HttpDsl.ws.checkTextMessage("publish delivered")
            .matching(awaiting((m, s) -> "err".equals(m.path("type").asText())
                || s.getString(CHANNEL).equals(m.path("address").asText())
                && s.getString(SELF).equals(m.path("body").path("p").asText())
                && s.getLong(SEQ) == m.path("body").path("s").asLong(-1)))
            .check(expectType("rec"))));
  }

  /** The HTTP publish API (202 expected); same message as over the WebSocket. */
  public ChainBuilder publishHttp() {
    var request = http("publish (http)").post("/api/publish")
        .header("Content-Type", "application/json")
        .body(StringBody(s -> Frames.apiPublish(s.getString(CHANNEL),
            Frames.message(s.getString(SELF), s.getLong(SEQ), padding))))
        .check(status().is(202));
    if (!cfg.apiKey.isEmpty()) {
      request = request.header("Authorization", "Bearer " + cfg.apiKey);
    }
    return exec(s -> s.set(SEQ, s.contains(SEQ) ? s.getLong(SEQ) + 1 : 0L)).exec(request);
  }

  /** Hands every message buffered since the last call to the ledger (or drops them without one). */
  public ChainBuilder drain() {
    return exec(HttpDsl.ws.processUnmatchedMessages(
        s -> s.contains(WS_NAME) ? s.getString(WS_NAME) : "main", (messages, s) -> {
          DeliveryLedger ledger = s.contains(DeliveryLedger.KEY) ? s.get(DeliveryLedger.KEY) : null;
          if (ledger == null) {
            return s;
          }
          if (messages.size() >= cfg.bufferSize) {
            ledger.problem("Gatling's buffer of " + cfg.bufferSize + " messages overflowed:"
                + " raise gateway.bufferSize or lower gateway.verifyEveryMs");
          }
          for (WsInboundMessage m : messages) {
            if (m instanceof WsInboundMessage.Text t) {
              ledger.accept(t.message(), t.timestamp());
            } else {
              ledger.problem("binary frame from the gateway");
            }
          }
          return s;
        }));
  }

  /**
   * An echo round trip whose check fails with the ledger's report when deliveries went wrong since
   * the last one ({@code last}: also when some never arrived).
   */
  public ChainBuilder verify(boolean last) {
    Function<Session, String> reply = s -> "reply." + cfg.runId + "." + s.userId() + "." + s.getInt(N);
    return exec(drain()).exec(s -> s.set(N, s.contains(N) ? s.getInt(N) + 1 : 0)).exec(socket("verify")
        .sendText(s -> Frames.send("echo", Frames.JSON.createObjectNode().put("n", s.getInt(N)),
            reply.apply(s)))
        .await(cfg.timeout).on(HttpDsl.ws.checkTextMessage("verify deliveries")
            .matching(awaiting((m, s) -> reply.apply(s).equals(m.path("address").asText())))
            .check(expectType("rec"), ledgerVerdict(last))));
  }

  /** A check that fails with the ledger's report; on any check of a response that always exists. */
  static CheckBuilder ledgerVerdict(boolean last) {
    return bodyString().validate("deliveries", (body, s) -> {
      DeliveryLedger ledger = s.get(DeliveryLedger.KEY);
      String report = last ? ledger.finalReport() : ledger.report();
      if (report != null) {
        throw new IllegalStateException(report);
      }
      return body;
    });
  }

  public ChainBuilder close() {
    return exec(socket("close").close());
  }

  /** Pauses (100 ms steps) until the condition holds or {@code limit} has passed since the run began. */
  public ChainBuilder waitUntil(BooleanSupplier condition, Duration limit) {
    return asLongAs(s -> !condition.getAsBoolean() && state.millisSinceStart() < limit.toMillis())
        .on(pause(Duration.ofMillis(100)));
  }

  /** Matches the awaited message; hands every other one to the ledger first (Gatling drops it). */
  private static CheckBuilder awaiting(BiPredicate<JsonNode, Session> wanted) {
    return bodyString().validate("awaited message", (body, s) -> {
      JsonNode m = Frames.parse(body);
      if (m != null && wanted.test(m, s)) {
        return body;
      }
      if (s.contains(DeliveryLedger.KEY)) {
        ((DeliveryLedger) s.get(DeliveryLedger.KEY)).accept(body, System.currentTimeMillis());
      }
      throw new IllegalArgumentException("not the awaited message");
    });
  }

  /** The awaited message has this type; an {@code err} fails with the gateway's reason. */
  private static CheckBuilder expectType(String type) {
    return bodyString().validate("message type", (body, s) -> {
      JsonNode m = Frames.parse(body);
      if (m == null || !type.equals(m.path("type").asText())) {
        throw new IllegalStateException("expected " + type + ", got " + body);
      }
      return body;
    });
  }
}
