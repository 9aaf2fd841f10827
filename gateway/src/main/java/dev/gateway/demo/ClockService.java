package dev.gateway.demo;

import dev.gateway.channel.PublishStamp;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** Demo channel: publishes {@code {"time":ISO-8601,"epochMs":N}} on {@code clock} periodically. */
public final class ClockService extends VerticleBase {

  public static final String ADDRESS = "clock";

  private final long intervalMs;
  private final PublishStamp stamp;

  public ClockService(long intervalMs, PublishStamp stamp) {
    this.intervalMs = intervalMs;
    this.stamp = stamp;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(intervalMs, id -> {
      Instant now = Instant.now();
      DeliveryOptions options = stamp.stamp(new DeliveryOptions());
      vertx.eventBus().publish(ADDRESS,
          new JsonObject().put("time", now.toString()).put("epochMs", now.toEpochMilli()), options);
    });
    return Future.succeededFuture();
  }
}
