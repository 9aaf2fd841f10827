package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.channel.FanoutShard;
import dev.gateway.config.ConfigLoader;
import dev.gateway.config.GatewayConfig;
import dev.gateway.support.LocalNode;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The per-loop objects a server verticle gives its connections, on one loop of a
 * {@link LocalNode}: the loop's {@link LoopConnections}, its {@link FanoutShard}, the node's
 * {@link ConnectionSlots} and the limits (defaults with the overrides given, read as the gateway
 * reads its configuration). {@link #open} opens a connection over a {@link FakeTransport};
 * {@link #assertConfined} checks the transport contract (same loop, nothing after the close).
 */
final class ConnectionRig {

  final LocalNode node;
  final Context context;
  final GatewayConfig.Limits limits;
  final ConnectionSlots slots = new ConnectionSlots(100);
  final LoopConnections loop;
  final FanoutShard shard;
  private final List<FakeTransport> transports = new CopyOnWriteArrayList<>();

  ConnectionRig(LocalNode node, int loopIndex, JsonObject limits) {
    this.node = node;
    this.context = node.loop(loopIndex);
    this.limits = ConfigLoader.fromJson(new JsonObject().put("limits", limits), Map.of()).limits();
    this.loop = node.on(context, () -> new LoopConnections(context, node.metrics()));
    this.shard = node.on(context, () -> new FanoutShard(context, node.hub(), node.metrics()));
  }

  /** Opens a connection over a new fake transport (its lease from {@link #slots}). */
  FakeTransport open(String transport) {
    return on(() -> {
      FakeTransport t = new FakeTransport(transport);
      ConnectionSlots.Lease lease = slots.tryAcquire("127.0.0.1");
      if (lease.refusal() != null) {
        throw new IllegalStateException("no slot: " + lease.refusal());
      }
      t.attach(new Connection(t, loop, shard, limits, lease));
      transports.add(t);
      return t;
    });
  }

  /** Fails if a connection called its transport from another thread than its event loop. */
  void assertConfined() {
    for (FakeTransport t : transports) {
      assertEquals(List.of(), on(t::violations), "transport called off its event loop");
      assertEquals(0, (int) on(t::writesAfterClose), "written after the close");
    }
  }

  /** Runs on this rig's loop and returns the result. */
  <T> T on(java.util.concurrent.Callable<T> work) {
    return node.on(context, work);
  }

  /** Runs on this rig's loop. */
  void run(LocalNode.ThrowingRunnable work) {
    node.run(context, work);
  }

  /** Subscribes the connection to the channel as the protocol handler does, and waits for it. */
  void subscribe(Connection c, String address) {
    LocalNode.await(on(() -> {
      c.channels().add(address);
      return shard.subscribe(c, address);
    }));
  }

  /** A periodic pass of the loop with liveness checks off (intervals of an hour). */
  void tick() {
    run(() -> loop.tick(3_600_000_000_000L, 3_600_000_000_000L));
  }
}
