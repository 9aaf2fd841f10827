package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code demo.enabled=false}: no {@code clock} channel and no {@code echo} service. */
class NativeWebSocketDemoDisabledTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false).put("clockIntervalMs", 100)));

  @Test
  void echoHasNoHandler() {
    try (BridgeClient c = gw.connect()) {
      c.send(new JsonObject().put("type", "send").put("address", "echo").put("body", "hello?")
          .put("replyAddress", "reply.echo"));
      JsonObject err = c.next(5);
      assertNotNull(err, "no answer from a node without echo");
      assertEquals("err", err.getString("type"), err.encode());
      assertEquals("reply.echo", err.getString("address"), err.encode());
      assertEquals("NO_HANDLERS", err.getString("failureType"), err.encode());
    }
  }

  @Test
  void clockDoesNotTick() {
    try (BridgeClient c = gw.connect()) {
      c.register("clock");
      // an absence needs a window: ten clock intervals of the configured (unused) 100 ms
      assertNull(c.awaitRec("clock", 1), "the clock ticks although the demo is disabled");
      // the channel itself works: the absence above is the clock's, not the channel's
      apiPublish(new JsonObject().put("address", "clock").put("body", "manual"));
      JsonObject rec = c.awaitRec("clock", 5);
      assertNotNull(rec, "a publish on the clock channel was not delivered");
      assertEquals("manual", rec.getValue("body"));
    }
  }

  static void apiPublish(JsonObject body) {
    WebClient http = WebClient.create(gw.client());
    try {
      HttpResponse<Buffer> resp = gw.web().post(gw.port(), "127.0.0.1", "/api/publish").sendJsonObject(body)
          .await(10, TimeUnit.SECONDS);
      assertEquals(202, resp.statusCode(), resp.bodyAsString());
    } catch (Exception e) {
      throw new AssertionError("publish failed: " + e, e);
    } finally {
      http.close();
    }
  }
}
