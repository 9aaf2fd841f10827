package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NativeWebSocketSmokeTest {

  static TestGateway gateway;
  static Vertx client;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start();
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    client.close();
    gateway.close();
  }

  @Test
  void clientPublishReachesSubscriberOnOtherConnection() {
    try (BridgeClient a = BridgeClient.connect(client, gateway.port);
         BridgeClient b = BridgeClient.connect(client, gateway.port)) {
      a.register("chat.smoke");
      b.publish("chat.smoke", new JsonObject().put("text", "hi"));
      JsonObject rec = a.awaitRec("chat.smoke", 5);
      assertNotNull(rec, "subscriber received nothing");
      assertEquals("hi", rec.getJsonObject("body").getString("text"));
    }
  }
}
