package dev.gateway.demo;

import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** Demo channel: publishes {@code {"time":ISO-8601,"epochMs":N}} on {@code clock} periodically. */
public final class ClockService extends VerticleBase {

  public static final String ADDRESS = "clock";

  private final long intervalMs;

  public ClockService(long intervalMs) {
    this.intervalMs = intervalMs;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(intervalMs, id -> {
      Instant now = Instant.now();
      DeliveryOptions options = new DeliveryOptions()
          .addHeader(ProtocolCodec.PUBLISHED_AT_HEADER, Long.toString(GatewayMetrics.nowMicros()));
      vertx.eventBus().publish(ADDRESS,
          new JsonObject().put("time", now.toString()).put("epochMs", now.toEpochMilli()), options);
    });
    return Future.succeededFuture();
  }
}
