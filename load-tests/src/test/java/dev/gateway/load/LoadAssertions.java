package dev.gateway.load;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;

import io.gatling.javaapi.core.Assertion;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The assertions every simulation ends with, so a regression fails the run (and the build):
 * failed requests at most {@code gateway.maxFailedPercent} of all; p99 of each timed request at
 * most {@code gateway.p99Ms} (connection set-up: {@code gateway.setupP99Ms}); each connect and
 * subscribe request failed at most {@code gateway.maxSetupFailures} times (a user that failed to
 * subscribe leaves before any delivery check, so by default none may); delivery verdicts failed at
 * most {@code gateway.maxDeliveryFailures} times (a verdict fails when a message was lost,
 * duplicated, reordered, late or wrong). Long polls, streams and the SSE connection are not
 * timed: they wait for messages by design.
 */
public final class LoadAssertions {

  private LoadAssertions() {
  }

  /** Connection set-up requests: bounded by {@code gateway.setupP99Ms} rather than {@code p99Ms}. */
  static final Set<String> SETUP = Set.of("connect", "subscribe ack", "sockjs open",
      "xhr_send subscribe", "open", "close");
  /** The set-up requests without which a user is not subscribed (and its deliveries go unchecked). */
  static final Set<String> SUBSCRIBING = Set.of("connect", "subscribe ack", "sockjs open",
      "xhr_send subscribe", "open");

  public static List<Assertion> of(LoadConfig cfg, Set<String> timed, Set<String> verdicts) {
    List<Assertion> all = new ArrayList<>();
    all.add(global().failedRequests().percent().lte(cfg.maxFailedPercent));
    for (String name : timed) {
      long bound = SETUP.contains(name) ? cfg.setupP99Ms : cfg.p99Ms;
      all.add(details(name).responseTime().percentile(99.0).lte((int) bound));
      if (SUBSCRIBING.contains(name)) {
        all.add(details(name).failedRequests().count().lte((long) cfg.maxSetupFailures));
      }
    }
    for (String name : verdicts) {
      all.add(details(name).failedRequests().count().lte((long) cfg.maxDeliveryFailures));
    }
    return all;
  }
}
