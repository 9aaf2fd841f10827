package dev.gateway.load;

import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.exitBlockOnFail;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import java.time.Duration;
import java.util.List;

/**
 * Connection churn: each of {@code users} loops for {@code duration} over connect, subscribe
 * (register with ack) to {@code chat.churn.<runId>.<k>}, publish one message and receive it
 * back (other churners on the channel receive it too), close, pause {@code churnPauseMs}.
 * A failed step ends that cycle only (its socket is left to Gatling) and the loop goes on; a
 * cycle under way when the time is up is finished.
 */
public final class Churn {

  private final LoadConfig cfg;
  private final RunState state;
  private final int users;
  private final WsChains steps;

  public Churn(LoadConfig cfg, RunState state, int users) {
    this.cfg = cfg;
    this.state = state;
    this.users = users;
    this.steps = new WsChains(cfg, state);
  }

  public Duration maxDuration() {
    return cfg.ramp.plus(cfg.duration).plus(cfg.timeout.multipliedBy(4)).plusSeconds(60);
  }

  public ChainBuilder user() {
    return exec(s -> {
      int index = state.nextIndex("churn");
      return s.set(WsChains.CHANNEL, "chat.churn." + cfg.runId + "." + (index % cfg.channels))
          .set(WsChains.SELF, "c" + index).set("cycle", 0);
    }).exec(during(cfg.duration, false).on(
        exec(s -> s.set("cycle", s.getInt("cycle") + 1)
            .set(WsChains.WS_NAME, "cycle-" + s.getInt("cycle")))
            .exec(exitBlockOnFail().on(steps.connect(), steps.subscribe(),
                steps.publishAndReceive(), steps.close()))
            .exec(s -> s.markAsSucceeded())
            .exec(pause(cfg.churnPause))));
  }

  public PopulationBuilder population() {
    return scenario("connection churn").exec(user()).injectOpen(rampUsers(users).during(cfg.ramp));
  }

  public static List<String> timedRequests() {
    return List.of("connect", "subscribe ack", "publish delivered", "close");
  }
}
