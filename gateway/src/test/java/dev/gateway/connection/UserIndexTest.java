package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.auth.Grant;
import dev.gateway.auth.Permissions;
import dev.gateway.protocol.CloseReason;
import dev.gateway.support.LocalNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A loop's index of open connections by user ({@link LoopConnections#ofUser}): a connection is
 * in it from the moment it has a user until it stops being open, whichever way it ends.
 */
class UserIndexTest {

  @RegisterExtension
  final LocalNode node = new LocalNode();

  private ConnectionRig rig;

  @AfterEach
  void confined() {
    rig.assertConfined();
  }

  private static Grant of(String user) {
    return new Grant(user, null, 0, new Permissions(List.of("*"), List.of(), List.of()));
  }

  private int indexed(String user) {
    return rig.on(() -> rig.loop.ofUser(user).size());
  }

  @Test
  void aConnectionIsIndexedOnceItHasAUserAndOnlyWhileOpen() {
    rig = new ConnectionRig(node, 0, new JsonObject());
    FakeTransport anonymous = rig.open("websocket");
    FakeTransport byGateway = rig.open("websocket");
    FakeTransport byClient = rig.open("xhr-streaming");
    FakeTransport broken = rig.open("websocket");
    assertEquals(0, indexed("alice"), "no connection has a user yet");
    rig.run(() -> {
      for (FakeTransport t : List.of(byGateway, byClient, broken)) {
        t.connection().grant(of("alice"));
      }
      byGateway.connection().grant(of("alice")); // a refresh of the same user: still once
      anonymous.connection().grant(of(null)); // a token without sub: no user
    });
    assertEquals(3, indexed("alice"));
    assertEquals(0, indexed("bob"));

    rig.run(() -> byGateway.connection().close(CloseReason.DISCONNECTED, "bye"));
    assertEquals(2, indexed("alice"), "a connection the gateway closed is out at once");
    assertEquals("bye", rig.on(() -> byGateway.closeTexts().get(0)));
    rig.run(() -> byClient.clientGone(CloseReason.CLIENT_CLOSED));
    assertEquals(1, indexed("alice"), "a connection the client closed is out");
    rig.run(() -> broken.clientGone(CloseReason.TRANSPORT_ERROR));
    assertEquals(0, indexed("alice"), "a connection whose transport failed is out");
    rig.run(() -> byGateway.closeCompleted());
    assertEquals(0, indexed("alice"), "nothing comes back when the closing one ends");
  }

  @Test
  void aClosedConnectionThatGetsAGrantIsNotIndexed() {
    rig = new ConnectionRig(node, 0, new JsonObject());
    FakeTransport t = rig.open("websocket");
    rig.run(() -> {
      t.connection().close(CloseReason.SHUTDOWN);
      t.connection().grant(of("alice")); // a verification that completed after the close
    });
    assertEquals(0, indexed("alice"));
  }
}
