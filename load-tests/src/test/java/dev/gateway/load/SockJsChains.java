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
import io.gatling.http.action.sse.fsm.SseFsm;
import io.gatling.http.action.sse.fsm.SseStream;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpDsl;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.lang.reflect.Field;
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
 *   <li>eventsource: Gatling's SSE client on {@code GET .../eventsource} (reopened whenever the
 *   gateway recycles it); messages are checked as they arrive, and an {@code xhr_send verify}
 *   (a ping) fails with the ledger's report.</li>
 * </ul>
 * Request names: {@code sockjs open}, {@code xhr_send subscribe}, {@code poll}, {@code stream},
 * {@code eventsource}, {@code xhr_send verify}.
 */
public final class SockJsChains {

  static final String PATH = "sockjsPath";
  static final String ACK = "ack";
  static final String SSE_NAME = "eventsource";

  private final LoadConfig cfg;
  private final RunState runState;
  private final Predicate<Session> finished;
  /** Polls and streams close their connection: the gateway closes it anyway, without saying so. */
  private final String connectionHeader;

  /** {@code finished}: the subscriber may stop receiving (complete, or out of time). */
  public SockJsChains(LoadConfig cfg, RunState runState, Predicate<Session> finished) {
    this.cfg = cfg;
    this.runState = runState;
    this.finished = finished;
    this.connectionHeader = cfg.sockJsKeepAlive ? "keep-alive" : "close";
  }

  /** New session path and ack id. */
  public ChainBuilder init() {
    return exec(s -> s.set(PATH, "/eventbus/" + ThreadLocalRandom.current().nextInt(100, 1000) + "/"
        + UUID.randomUUID().toString().replace("-", "")).set(ACK, "a" + s.userId()));
  }

  /** Opens the session with one xhr poll ({@code o}), registers, and polls until the ack came. */
  public ChainBuilder openAndSubscribeByPolling() {
    return exec(http("sockjs open").post(s -> s.getString(PATH) + "/xhr")
        .header("Connection", connectionHeader)
        .check(status().is(200), bodyString().is("o\n")))
        .exec(opened())
        .exec(subscribe())
        .asLongAs(s -> !ledger(s).acked(s.getString(ACK)) && !s.isFailed() && !finished.test(s))
        .on(exec(poll("poll")));
  }

  private static ChainBuilder opened() {
    return exec(s -> {
      if (!s.isFailed()) {
        ledger(s).markOpened();
      }
      return s;
    });
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
            .header("Connection", connectionHeader)
            .check(status().is(200), received(true))));
  }

  /** Eventsource: connect, wait for {@code o}, register, drain until the ack came. */
  public ChainBuilder openEventSourceAndSubscribe() {
    return exec(HttpDsl.sse("eventsource", SSE_NAME).get(s -> s.getString(PATH) + "/eventsource")
        .await(cfg.timeout).on(HttpDsl.sse.checkMessage("open").check(jsonPath("$.data").is("o"))))
        .exec(opened())
        .exec(subscribe())
        .asLongAs(s -> !ledger(s).acked(s.getString(ACK)) && !s.isFailed() && !finished.test(s))
        .on(pause(Duration.ofMillis(50)).exec(drainEventSource()));
  }

  /**
   * Receives until finished: every 250 ms hands the buffered events to the ledger and reopens
   * the stream if the gateway ended it (SockJS recycles an eventsource response after
   * {@code sockjs.maxBytesStreaming}; browsers reconnect, Gatling's SSE client does not, and
   * the session would time out after 5 s); every {@code verifyEvery} an {@code xhr_send verify}.
   */
  public ChainBuilder eventSourceUntilFinished() {
    long every = cfg.verifyEvery.toMillis();
    return exec(s -> s.set("verifyAt", System.currentTimeMillis() + every))
        .asLongAs(s -> !finished.test(s)).on(pause(Duration.ofMillis(250))
            .exec(drainEventSource())
            .doIf(s -> streamEnded(s)).then(exec(s -> {
              runState.count("eventsource streams reopened");
              return s.remove(SSE_NAME); // Gatling refuses a second stream under the same name
            }).exec(HttpDsl.sse("eventsource", SSE_NAME).get(s -> s.getString(PATH) + "/eventsource")))
            .doIf(s -> System.currentTimeMillis() >= s.getLong("verifyAt")).then(
                exec(s -> s.set("verifyAt", System.currentTimeMillis() + every)).exec(verify(false))))
        .exec(drainEventSource());
  }

  public ChainBuilder closeEventSource() {
    return exec(HttpDsl.sse("close eventsource", SSE_NAME).close());
  }

  /**
   * Whether the gateway ended the user's SSE stream. Gatling has no public API for it: this reads
   * its stream state ({@code SseFsm.stream().state}, Gatling 3.15) and says no if that fails.
   */
  static boolean streamEnded(Session s) {
    Object fsm = s.contains(SSE_NAME) ? s.get(SSE_NAME) : null;
    if (!(fsm instanceof SseFsm f)) {
      return false;
    }
    try {
      Field state = SseStream.class.getDeclaredField("state");
      state.setAccessible(true);
      Object st = state.get(f.stream());
      return st != null && st.getClass().getName().endsWith("$Closed$");
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** Hands the SSE events buffered since the last call to the ledger. */
  public ChainBuilder drainEventSource() {
    return exec(HttpDsl.sse.processUnmatchedMessages(SSE_NAME, (events, s) -> {
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

  private HttpRequestActionBuilder poll(String name) {
    return http(name).post(s -> s.getString(PATH) + "/xhr").header("Connection", connectionHeader)
        .check(status().is(200), received(false));
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
