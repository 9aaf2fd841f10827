package dev.gateway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An {@code err} answering a message that had an ack id carries that id, so clients can match it. */
class ErrorAckTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject()
          .put("subscribe", new JsonArray().add("chat.*").add("news.*"))
          .put("publish", new JsonArray().add("chat.*"))));

  private static JsonObject errFor(BridgeClient c, JsonObject message) {
    c.send(message);
    JsonObject err = c.await(m -> "err".equals(m.getString("type")), 10);
    assertNotNull(err, "no err for " + message);
    return err;
  }

  @Test
  void everyRefusalOfAMessageWithAnAckIdEchoesIt() {
    try (BridgeClient c = gw.connect()) {
      JsonObject denied = errFor(c, new JsonObject().put("type", "register")
          .put("address", "secret.x").put("ack", "r1"));
      assertEquals("access_denied", denied.getString("body"), denied.encode());
      assertEquals("r1", denied.getString("ack"), denied.encode());

      JsonObject position = errFor(c, new JsonObject().put("type", "register")
          .put("address", "chat.x").put("ack", "r2")
          .put("headers", new JsonObject().put("gateway.since", "x").put("gateway.epoch", "e")));
      assertEquals("invalid_position", position.getString("body"), position.encode());
      assertEquals("r2", position.getString("ack"), position.encode());

      JsonObject noHistory = errFor(c, new JsonObject().put("type", "history")
          .put("address", "news.x").put("ack", "h1"));
      assertEquals("no_history", noHistory.getString("body"), noHistory.encode());
      assertEquals("h1", noHistory.getString("ack"), noHistory.encode());

      JsonObject publish = errFor(c, new JsonObject().put("type", "publish")
          .put("address", "news.x").put("body", 1).put("ack", "p1"));
      assertEquals("access_denied", publish.getString("body"), publish.encode());
      assertEquals("p1", publish.getString("ack"), publish.encode());
    }
  }

  @Test
  void anErrWithoutAnAckIdHasNone() {
    try (BridgeClient c = gw.connect()) {
      JsonObject denied = errFor(c, new JsonObject().put("type", "register").put("address", "secret.x"));
      assertEquals("access_denied", denied.getString("body"));
      assertFalse(denied.containsKey("ack"), denied.encode());
      JsonObject longId = errFor(c, new JsonObject().put("type", "register")
          .put("address", "secret.x").put("ack", "a".repeat(300)));
      assertFalse(longId.containsKey("ack"), "an id over 256 characters is not echoed");
    }
  }
}
