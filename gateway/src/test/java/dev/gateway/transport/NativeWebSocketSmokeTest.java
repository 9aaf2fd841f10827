package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NativeWebSocketSmokeTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.defaults();

  @Test
  void clientPublishReachesSubscriberOnOtherConnection() {
    try (BridgeClient a = gw.connect();
         BridgeClient b = gw.connect()) {
      a.register("chat.smoke");
      b.publish("chat.smoke", new JsonObject().put("text", "hi"));
      JsonObject rec = a.awaitRec("chat.smoke", 5);
      assertNotNull(rec, "subscriber received nothing");
      assertEquals("hi", rec.getJsonObject("body").getString("text"));
    }
  }
}
