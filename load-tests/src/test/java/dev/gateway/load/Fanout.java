package dev.gateway.load;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.exitBlockOnFail;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.repeat;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fan-out: subscribers (over one or several transports) spread over the channels
 * {@code chat.fanout.<runId>.<k>}, publishers each publishing {@code rate x duration} numbered
 * messages to one channel once every subscriber has subscribed. Every subscriber expects every
 * message of its channel's publishers, in order, each within {@code maxLatencyMs}.
 */
public final class Fanout {

  public enum Transport {
    WEBSOCKET("websocket"), XHR_POLLING("xhr-polling"), XHR_STREAMING("xhr-streaming"),
    EVENTSOURCE("eventsource");

    public final String label;

    Transport(String label) {
      this.label = label;
    }
  }

  private final LoadConfig cfg;
  private final RunState state;
  private final Map<Transport, Integer> subscribers;
  private final int totalSubscribers;
  private final WsChains wsSteps;
  private final SockJsChains sockJsSteps;
  /** Publishers start at the latest this long after the run began, subscribed or not. */
  private final Duration startLimit;
  /** Subscribers stop receiving at the latest this long after the run began. */
  private final Duration deadline;

  public Fanout(LoadConfig cfg, RunState state, Map<Transport, Integer> subscribers) {
    this.cfg = cfg;
    this.state = state;
    this.subscribers = new LinkedHashMap<>(subscribers);
    this.totalSubscribers = subscribers.values().stream().mapToInt(Integer::intValue).sum();
    this.wsSteps = new WsChains(cfg, state);
    this.sockJsSteps = new SockJsChains(cfg, state, this::finished);
    this.startLimit = cfg.ramp.plus(cfg.timeout.multipliedBy(2)).plusSeconds(10);
    this.deadline = startLimit.plus(cfg.duration).plus(cfg.grace).plusSeconds(30);
    state.expectPublishers(cfg.publishers);
  }

  String channel(int index) {
    return "chat.fanout." + cfg.runId + "." + (index % cfg.channels);
  }

  /** Whole run, with room for the report: Gatling stops users still running after it. */
  public Duration maxDuration() {
    return deadline.plusSeconds(60);
  }

  boolean finished(Session s) {
    DeliveryLedger ledger = s.get(DeliveryLedger.KEY);
    return ledger.complete() || state.millisSincePublishersDone() > cfg.grace.toMillis()
        || state.millisSinceStart() > deadline.toMillis();
  }

  private ChainBuilder initSubscriber(Transport t) {
    return exec(s -> {
      int index = state.nextIndex("subscriber");
      Set<String> senders = new LinkedHashSet<>();
      for (int j = index % cfg.channels; j < cfg.publishers; j += cfg.channels) {
        senders.add("p" + j);
      }
      int perPublisher = cfg.messagesPerPublisher();
      return s.set(WsChains.CHANNEL, channel(index)).set(DeliveryLedger.KEY, new DeliveryLedger(
          channel(index), senders, p -> perPublisher, null, state, t.label, cfg.maxLatencyMs));
    });
  }

  /** Subscribed (or failed trying): counts towards the publishers' start, then ends if failed. */
  private ChainBuilder arrived() {
    return exec(s -> {
      state.arrive("subscriber");
      return s;
    }).exitHereIfFailed();
  }

  public ChainBuilder subscriber(Transport t) {
    ChainBuilder init = initSubscriber(t);
    return switch (t) {
      case WEBSOCKET -> init
          .exec(exitBlockOnFail().on(wsSteps.connect(), wsSteps.subscribe())).exec(arrived())
          .exec(asLongAs(s -> !finished(s))
              .on(pause(cfg.verifyEvery).exec(wsSteps.drain()).exec(wsSteps.verify(false))))
          .exec(wsSteps.drain(), wsSteps.verify(true), wsSteps.close());
      case XHR_POLLING -> init.exec(sockJsSteps.init())
          .exec(exitBlockOnFail().on(sockJsSteps.openAndSubscribeByPolling())).exec(arrived())
          .exec(sockJsSteps.pollUntilFinished(), sockJsSteps.verify(true));
      case XHR_STREAMING -> init.exec(sockJsSteps.init())
          .exec(exitBlockOnFail().on(sockJsSteps.openAndSubscribeByPolling())).exec(arrived())
          .exec(s -> {
            state.openStreams.incrementAndGet();
            return s;
          })
          .exec(sockJsSteps.streamUntilFinished())
          .exec(s -> {
            state.openStreams.decrementAndGet();
            return s;
          })
          .exec(sockJsSteps.verify(true));
      case EVENTSOURCE -> init.exec(sockJsSteps.init())
          .exec(exitBlockOnFail().on(sockJsSteps.openEventSourceAndSubscribe())).exec(arrived())
          .exec(sockJsSteps.eventSourceUntilFinished(), sockJsSteps.verify(true),
              sockJsSteps.closeEventSource());
    };
  }

  public ChainBuilder publisher() {
    boolean overWs = cfg.publishMode == LoadConfig.PublishMode.WS;
    ChainBuilder init = exec(s -> {
      int index = state.nextIndex("publisher");
      return s.set(WsChains.SELF, "p" + index).set(WsChains.CHANNEL, channel(index));
    });
    ChainBuilder each = overWs ? wsSteps.publishAndReceive() : wsSteps.publishHttp();
    ChainBuilder publishing = repeat(cfg.messagesPerPublisher()).on(pace(cfg.publishInterval()).exec(each));
    return init
        .exec(overWs ? exitBlockOnFail().on(wsSteps.connect(), wsSteps.subscribe()) : exec(s -> s))
        .exec(wsSteps.waitUntil(() -> state.arrived("subscriber") >= totalSubscribers, startLimit))
        .exec(doIf(s -> !s.isFailed()).then(publishing))
        .exec(s -> {
          state.publisherDone();
          return s;
        })
        .exec(overWs ? doIf(s -> !s.isFailed()).then(wsSteps.close()) : exec(s -> s));
  }

  /** Ends the xhr-streaming responses still open after publishing with padding messages. */
  public ChainBuilder flusher() {
    String padding = Frames.padding(cfg.flushBytes);
    return exec(wsSteps.connect())
        .exec(wsSteps.waitUntil(() -> state.millisSincePublishersDone() >= 0, deadline))
        .exec(asLongAs(s -> state.openStreams.get() > 0 && state.millisSinceStart() < deadline.toMillis())
            .on(pause(Duration.ofMillis(50)).exec(exec(s -> s.set("k", s.contains("k") ? s.getInt("k") + 1 : 0))
                .exec(WsChains.socket("flush").sendText(s -> Frames.publish(channel(s.getInt("k")),
                    Frames.flush(padding)))))))
        .exec(wsSteps.close());
  }

  public List<PopulationBuilder> populations() {
    List<PopulationBuilder> all = new ArrayList<>();
    subscribers.forEach((t, n) -> {
      if (n > 0) {
        all.add(scenario("subscribers " + t.label).exec(subscriber(t))
            .injectOpen(rampUsers(n).during(cfg.ramp)));
      }
    });
    if (cfg.publishers > 0) {
      all.add(scenario("publishers").exec(publisher()).injectOpen(atOnceUsers(cfg.publishers)));
    }
    if (subscribers.getOrDefault(Transport.XHR_STREAMING, 0) > 0) {
      all.add(scenario("xhr-streaming flusher").exec(flusher()).injectOpen(atOnceUsers(1)));
    }
    return all;
  }

  /** Requests whose p99 is bounded, and requests that carry a delivery verdict. */
  public void requestNames(Set<String> timed, Set<String> verdicts) {
    timed.add(cfg.publishMode == LoadConfig.PublishMode.WS ? "publish delivered" : "publish (http)");
    if (cfg.publishMode == LoadConfig.PublishMode.WS || has(Transport.WEBSOCKET)) {
      timed.addAll(List.of("connect", "subscribe ack"));
    }
    if (has(Transport.WEBSOCKET)) {
      timed.add("verify deliveries");
      verdicts.add("verify deliveries");
    }
    if (has(Transport.XHR_POLLING) || has(Transport.XHR_STREAMING) || has(Transport.EVENTSOURCE)) {
      timed.addAll(List.of("xhr_send subscribe", "xhr_send verify"));
      verdicts.add("xhr_send verify");
    }
    if (has(Transport.XHR_POLLING) || has(Transport.XHR_STREAMING)) {
      timed.add("sockjs open");
      verdicts.add("poll");
    }
    if (has(Transport.XHR_STREAMING)) {
      verdicts.add("stream");
    }
    if (has(Transport.EVENTSOURCE)) {
      timed.add("open");
    }
  }

  private boolean has(Transport t) {
    return subscribers.getOrDefault(t, 0) > 0;
  }
}
