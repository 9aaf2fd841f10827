package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.sockjs.ManualSession;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SockJS xhr_send bodies over limits.maxMessageBytes are refused with 413; the session lives on. */
class SockJsLimitsTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("limits", new JsonObject().put("maxMessageBytes", 16 * 1024)));

  @Test
  void oversizedXhrSendIs413AndTheSessionStillWorks() {
    ManualSession s = new ManualSession(gw.http());
    assertEquals("o", s.poll(gw.node()));
    String big = new JsonObject().put("type", "publish").put("address", "chat.big")
        .put("body", "x".repeat(32 * 1024)).encode();
    assertEquals(413, s.xhrSend(gw.node(), new JsonArray().add(big).encode()).status());
    s.send(gw.node(), new JsonObject().put("type", "register").put("address", "chat.ok")
        .put("ack", "small"));
    String poll = s.poll(gw.node());
    assertTrue(poll.startsWith("a[") && poll.contains("small"), poll);
  }
}
