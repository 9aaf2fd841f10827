package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.GatewayExtension;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SockJS heartbeats reach a session whose requests arrive on another event loop than the one
 * that created it. Every poll comes on a new TCP connection (the gateway answers polls with
 * {@code Connection: close}), and new connections are spread over the server's event loops, so
 * with two loops about half the polls are served by the loop that did not create the session.
 * vertx-web writes the heartbeat from the creating loop: with Vert.x's strict thread mode on,
 * those writes are refused and the polls hang (this test guards against turning it on).
 */
class SockJsHeartbeatAcrossLoopsTest {

  static final long HEARTBEAT_MS = 200;
  static final int POLLS = 12;

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("server", new JsonObject().put("eventLoops", 2))
      .put("sockjs", new JsonObject().put("heartbeatMs", HEARTBEAT_MS)));

  @Test
  void everyIdlePollIsAnsweredByAHeartbeatWhicheverLoopServesIt() throws Exception {
    String session = "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "");
    assertEquals("o\n", poll(gw.http(), gw.port(), session), "open");
    for (int i = 0; i < POLLS; i++) {
      // an idle poll is answered by the next heartbeat: well within 10 heartbeat periods
      assertEquals("h\n", poll(gw.http(), gw.port(), session), "idle poll " + i);
    }
  }

  static String poll(HttpClientAgent http, int port, String session) throws Exception {
    return http.request(HttpMethod.POST, port, "127.0.0.1", session + "/xhr")
        .compose(req -> req.send().compose(resp -> resp.body()))
        .map(Object::toString).await(HEARTBEAT_MS * 10, TimeUnit.MILLISECONDS);
  }
}
