package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code demo.enabled=false}: no {@code clock} channel and no {@code echo} service. */
class NativeWebSocketDemoDisabledTest {

  static TestGateway gateway;
  static Vertx client;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(new JsonObject()
        .put("demo", new JsonObject().put("enabled", false).put("clockIntervalMs", 100)));
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    client.close().await();
    gateway.close();
  }

  @Test
  void echoHasNoHandler() {
    try (BridgeClient c = BridgeClient.connect(client, gateway.port)) {
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
    try (BridgeClient c = BridgeClient.connect(client, gateway.port)) {
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
    WebClient http = WebClient.create(client);
    try {
      HttpResponse<Buffer> resp = http.post(gateway.port, "127.0.0.1", "/api/publish").sendJsonObject(body)
          .await(10, TimeUnit.SECONDS);
      assertEquals(202, resp.statusCode(), resp.bodyAsString());
    } catch (Exception e) {
      throw new AssertionError("publish failed: " + e, e);
    } finally {
      http.close();
    }
  }
}
