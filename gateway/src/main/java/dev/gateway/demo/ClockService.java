package dev.gateway.demo;

import dev.gateway.channel.Publisher;
import io.vertx.core.MultiMap;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** Demo channel: publishes {@code {"time":ISO-8601,"epochMs":N}} on {@code clock} periodically. */
public final class ClockService extends VerticleBase {

  public static final String ADDRESS = "clock";

  private final long intervalMs;
  private final Publisher publisher;

  public ClockService(long intervalMs, Publisher publisher) {
    this.intervalMs = intervalMs;
    this.publisher = publisher;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(intervalMs, id -> {
      Instant now = Instant.now();
      publisher.publish(ADDRESS, new JsonObject().put("time", now.toString())
          .put("epochMs", now.toEpochMilli()), MultiMap.caseInsensitiveMultiMap(), null);
    });
    return Future.succeededFuture();
  }
}
