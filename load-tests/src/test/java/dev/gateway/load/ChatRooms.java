package dev.gateway.load;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.exitBlockOnFail;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The chat-room mix: {@code users} on native WebSockets in rooms of {@code roomSize}
 * ({@code chat.room.<runId>.<r>}); once everyone has joined, each user publishes now and then
 * (exponential pauses around {@code thinkMs}) for {@code duration}, timing each message to its
 * own arrival ({@code publish}). Every user checks every message of its room-mates on arrival
 * (order, latency) and, at the end, that it got exactly what each room-mate sent.
 */
public final class ChatRooms {

  private final LoadConfig cfg;
  private final RunState state;
  private final int users;
  private final WsChains steps;
  private final Duration startLimit;
  private final Duration deadline;

  public ChatRooms(LoadConfig cfg, RunState state, int users) {
    this.cfg = cfg;
    this.state = state;
    this.users = users;
    this.steps = new WsChains(cfg, state);
    this.startLimit = cfg.ramp.plus(cfg.timeout.multipliedBy(2)).plusSeconds(10);
    this.deadline = startLimit.plus(cfg.duration).plus(cfg.grace).plus(cfg.think.multipliedBy(5));
  }

  public Duration maxDuration() {
    return deadline.plusSeconds(60);
  }

  public ChainBuilder user() {
    return exec(s -> {
      int index = state.nextIndex("chat");
      int room = index / cfg.roomSize;
      Set<String> mates = new LinkedHashSet<>();
      for (int i = room * cfg.roomSize; i < Math.min(users, (room + 1) * cfg.roomSize); i++) {
        mates.add("u" + i);
      }
      String channel = "chat.room." + cfg.runId + "." + room;
      String self = "u" + index;
      return s.set(WsChains.CHANNEL, channel).set(WsChains.SELF, self).set(DeliveryLedger.KEY,
          new DeliveryLedger(channel, mates, state::finalCount, self, state, "chat", cfg.maxLatencyMs));
    })
        .exec(exitBlockOnFail().on(steps.connect(), steps.subscribe()))
        .exec(s -> {
          state.arrive("chat");
          if (s.isFailed()) {
            state.senderDone(s.getString(WsChains.SELF));
          }
          return s;
        })
        .exitHereIfFailed()
        .exec(steps.waitUntil(() -> state.arrived("chat") >= users, startLimit))
        .exec(during(cfg.duration, false).on(pause(s -> think()).exec(s -> {
          state.countSent(s.getString(WsChains.SELF));
          return s;
        }).exec(steps.publishAndReceive(), steps.drain())))
        .exec(s -> {
          state.senderDone(s.getString(WsChains.SELF));
          return s;
        })
        .exec(asLongAs(s -> !((DeliveryLedger) s.get(DeliveryLedger.KEY)).complete()
            && state.millisSinceStart() < deadline.toMillis())
            .on(pause(Duration.ofMillis(250)).exec(steps.drain())))
        .exec(steps.drain(), steps.verify(true), steps.close());
  }

  private Duration think() {
    double u = ThreadLocalRandom.current().nextDouble();
    long mean = cfg.think.toMillis();
    return Duration.ofMillis(Math.min(5 * mean, (long) (-Math.log(1 - u) * mean)));
  }

  public PopulationBuilder population() {
    return scenario("chat rooms").exec(user()).injectOpen(rampUsers(users).during(cfg.ramp));
  }

  public static List<String> timedRequests() {
    return List.of("connect", "subscribe ack", "publish delivered", "verify deliveries");
  }
}
