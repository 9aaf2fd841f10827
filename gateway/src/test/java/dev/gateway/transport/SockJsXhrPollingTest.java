package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.sockjs.PollingSession;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * xhr-polling: {@code POST /eventbus/<server>/<session>/xhr}, one frame per poll. A session whose
 * client stopped polling between two polls only ends at the session timeout, so the gateway runs
 * with a short one (2 s) to keep the gauge test quick.
 */
class SockJsXhrPollingTest extends SockJsTransportContract {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("sockjs", new JsonObject().put("sessionTimeoutMs", 2000)));

  @Override
  protected GatewayExtension gw() {
    return gw;
  }

  @Override
  protected PollingSession open() {
    return SockJsSession.xhrPolling(gw.client(), gw.port());
  }

  @Override
  protected String transportTag() {
    return "xhr-polling";
  }

  @Test
  void firstPollAnswersOpenFrame() {
    try (SockJsSession s = open()) {
      assertEquals("o", s.frames().get(0));
    }
  }

  @Test
  void messagesQueuedBetweenPollsAllArriveInOrder(TestInfo info) {
    String address = channel(info);
    try (PollingSession s = open()) {
      s.register(address);
      publishManyAndReceiveInOrder(s, address, 30, 100);
      // every frame came in its own poll; no close frame
      assertTrue(s.polls() >= 2, "polls: " + s.polls());
      assertEquals(null, s.closeFrame());
    }
  }
}
