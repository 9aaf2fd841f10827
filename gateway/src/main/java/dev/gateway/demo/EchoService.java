package dev.gateway.demo;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;

/** Demo backend service: replies to every message sent to {@code echo} with the same body. */
public final class EchoService extends VerticleBase {

  public static final String ADDRESS = "echo";

  @Override
  public Future<?> start() {
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(ADDRESS, msg -> {
      DeliveryOptions options = new DeliveryOptions().setHeaders(msg.headers());
      msg.reply(msg.body(), options);
    });
    return consumer.completion();
  }
}
