package dev.gateway.load;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.http.action.sse.SseInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpDsl;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * SockJS subscribers over plain HTTP, one chain per fallback transport; each opens a session at
 * {@code /eventbus/<server>/<session>/}, registers over {@code xhr_send} with an ack, waits for
 * the ack, then receives until its ledger is complete (or the run's grace has passed).
 * <ul>
 *   <li>xhr-polling: {@code POST .../xhr} in a loop; each poll ({@code poll}) fails when what it
 *   brought is wrong (checked on arrival, latency included).</li>
 *   <li>xhr-streaming: opened and subscribed by polling (SockJS lets any receiving transport
 *   serve a session), then only {@code POST .../xhr_streaming}. Gatling reads an HTTP response
 *   whole, and the gateway ends a streaming response after {@code sockjs.maxBytesStreaming}
 *   (128 KiB), so each {@code stream} request lasts until that many bytes arrived; only its last
 *   message is timed. A flusher pushes the last open streams to their end.</li>
 *   <li>eventsource: Gatling's SSE client on {@code GET .../eventsource}; messages are checked
 *   as they arrive, and an {@code xhr_send verify} (a ping) fails with the ledger's report.</li>
 * </ul>
 * Request names: {@code sockjs open}, {@code xhr_send subscribe}, {@code poll}, {@code stream},
 * {@code eventsource}, {@code xhr_send verify}.
 */
public final class SockJsChains {

  static final String PATH = "sockjsPath";
  static final String ACK = "ack";

  private final LoadConfig cfg;
  private final Predicate<Session> finished;

  /** {@code finished}: the subscriber may stop receiving (complete, or out of time). */
  public SockJsChains(LoadConfig cfg, Predicate<Session> finished) {
    this.cfg = cfg;
    this.finished = finished;
  }

  /** New session path and ack id. */
  public ChainBuilder init() {
    return exec(s -> s.set(PATH, "/eventbus/" + ThreadLocalRandom.current().nextInt(100, 1000) + "/"
        + UUID.randomUUID().toString().replace("-", "")).set(ACK, "a" + s.userId()));
  }

  /** Opens the session with one xhr poll ({@code o}), registers, and polls until the ack came. */
  public ChainBuilder openAndSubscribeByPolling() {
    return exec(http("sockjs open").post(s -> s.getString(PATH) + "/xhr")
        .check(status().is(200), bodyString().is("o\n")))
        .exec(subscribe())
        .asLongAs(s -> !ledger(s).acked(s.getString(ACK)) && !s.isFailed() && !finished.test(s))
        .on(exec(poll("poll")));
  }

  public ChainBuilder subscribe() {
    return exec(http("xhr_send subscribe").post(s -> s.getString(PATH) + "/xhr_send")
        .header("Content-Type", "text/plain;charset=UTF-8")
        .body(StringBody(s -> Frames.sockJsSend(
            Frames.register(s.getString(WsChains.CHANNEL), s.getString(ACK)))))
        .check(status().is(204)));
  }

  public ChainBuilder pollUntilFinished() {
    return asLongAs(s -> !finished.test(s)).on(exec(poll("poll")));
  }

  public ChainBuilder streamUntilFinished() {
    return asLongAs(s -> !finished.test(s)).on(exec(
        http("stream").post(s -> s.getString(PATH) + "/xhr_streaming")
            .check(status().is(200), received(true))));
  }

  /** Eventsource: connect, wait for {@code o}, register, drain until the ack came. */
  public ChainBuilder openEventSourceAndSubscribe() {
    return exec(HttpDsl.sse("eventsource").get(s -> s.getString(PATH) + "/eventsource")
        .await(cfg.timeout).on(HttpDsl.sse.checkMessage("open").check(jsonPath("$.data").is("o"))))
        .exec(subscribe())
        .asLongAs(s -> !ledger(s).acked(s.getString(ACK)) && !s.isFailed() && !finished.test(s))
        .on(pause(Duration.ofMillis(50)).exec(drainEventSource()));
  }

  public ChainBuilder eventSourceUntilFinished() {
    return asLongAs(s -> !finished.test(s))
        .on(pause(cfg.verifyEvery).exec(drainEventSource()).exec(verify(false)))
        .exec(drainEventSource());
  }

  public ChainBuilder closeEventSource() {
    return exec(HttpDsl.sse("close eventsource").close());
  }

  /** Hands the SSE events buffered since the last call to the ledger. */
  public ChainBuilder drainEventSource() {
    return exec(HttpDsl.sse.processUnmatchedMessages((events, s) -> {
      DeliveryLedger ledger = ledger(s);
      if (events.size() >= cfg.bufferSize) {
        ledger.problem("Gatling's SSE buffer of " + cfg.bufferSize + " events overflowed");
      }
      for (SseInboundMessage e : events) {
        JsonNode event = Frames.parse(e.message());
        String data = event == null ? "" : event.path("data").asText("");
        if (!data.isEmpty()) {
          ledger.acceptSockJs(data, e.timestamp(), false);
        }
      }
      return s;
    }));
  }

  /** An xhr_send of a ping (never answered) whose check carries the ledger's verdict. */
  public ChainBuilder verify(boolean last) {
    return exec(http("xhr_send verify").post(s -> s.getString(PATH) + "/xhr_send")
        .header("Content-Type", "text/plain;charset=UTF-8")
        .body(StringBody(s -> Frames.sockJsSend(Frames.ping())))
        .check(status().is(204), status().validate("deliveries", (code, s) -> {
          DeliveryLedger ledger = ledger(s);
          String report = last ? ledger.finalReport() : ledger.report();
          if (report != null) {
            throw new IllegalStateException(report);
          }
          return code;
        })));
  }

  private static io.gatling.javaapi.http.HttpRequestActionBuilder poll(String name) {
    return http(name).post(s -> s.getString(PATH) + "/xhr").check(status().is(200), received(false));
  }

  /** Feeds the response's frames to the ledger; fails with its report when something is wrong. */
  private static CheckBuilder received(boolean streamed) {
    return bodyString().validate("deliveries", (body, s) -> {
      DeliveryLedger ledger = ledger(s);
      ledger.acceptSockJs(body, System.currentTimeMillis(), streamed);
      String report = ledger.report();
      if (report != null) {
        throw new IllegalStateException(report);
      }
      return body;
    });
  }

  private static DeliveryLedger ledger(Session s) {
    return s.get(DeliveryLedger.KEY);
  }
}
