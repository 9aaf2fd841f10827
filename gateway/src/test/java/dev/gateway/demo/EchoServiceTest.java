package dev.gateway.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.LocalNode;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The demo backend: every request to {@code echo} is answered with its own body and headers. */
class EchoServiceTest {

  @RegisterExtension
  final LocalNode node = new LocalNode();

  @Test
  void repliesWithTheBodyAndHeadersOfTheRequest() {
    LocalNode.await(node.vertx().deployVerticle(new EchoService()));
    JsonObject body = new JsonObject().put("text", "hello").put("n", 42)
        .put("list", new JsonArray().add(1).add("two"));
    DeliveryOptions options = new DeliveryOptions().addHeader("trace", "abc")
        .addHeader("lang", "en").addHeader("lang", "fr");
    Message<Object> reply = LocalNode.await(
        node.vertx().eventBus().request(EchoService.ADDRESS, body, options));
    assertEquals(body, reply.body());
    MultiMap headers = reply.headers();
    assertEquals("abc", headers.get("trace"));
    assertEquals(List.of("en", "fr"), headers.getAll("lang"));
    assertEquals(2, headers.names().size(), "headers added or lost: " + headers);

    Message<Object> plain = LocalNode.await(node.vertx().eventBus().request(EchoService.ADDRESS, "ping"));
    assertEquals("ping", plain.body());
    assertEquals(0, plain.headers().size(), "a request without headers got some: " + plain.headers());
  }
}
