package dev.gateway.support;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.TimeUnit;

/**
 * What an attacker who knows a cluster's name can start: a plain clustered Vert.x (vertx-hazelcast
 * with a Hazelcast configuration of its own, no gateway code, no cluster secret) that joins the
 * gateways' Hazelcast cluster on 127.0.0.1 from the given base port, and so can read and write
 * the data grid and send on the event bus. Its event-bus options are the attacker's choice
 * (plain TCP, or TLS with a certificate of its own). Close it to leave.
 */
public final class ClusterOutsider implements AutoCloseable {

  public final Vertx vertx;
  public final HazelcastInstance hazelcast;

  private ClusterOutsider(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
  }

  /** Joins cluster {@code name} (members on 127.0.0.1 from {@code basePort}); waits until joined. */
  public static ClusterOutsider join(String name, int basePort, EventBusOptions eventBus) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(name);
    config.setProperty("hazelcast.phone.home.enabled", "false")
        .setProperty("hazelcast.socket.bind.any", "false")
        .setProperty("hazelcast.wait.seconds.before.join", "0")
        .setProperty("hazelcast.logging.type", "jdk")
        .setProperty("hazelcast.shutdownhook.enabled", "false")
        // the gateways' failure detection is short in tests: heartbeat as often as they do, or
        // they suspect the outsider and drop it every few seconds
        .setProperty("hazelcast.heartbeat.interval.seconds", "1")
        .setProperty("hazelcast.max.no.heartbeat.seconds", "3")
        .setProperty("hazelcast.merge.first.run.delay.seconds", "2")
        .setProperty("hazelcast.merge.next.run.delay.seconds", "2");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(basePort).setPortAutoIncrement(true).setPortCount(20);
    network.getInterfaces().setEnabled(true).clear().addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    eventBus.setHost("127.0.0.1").setClusterPublicHost("127.0.0.1");
    try {
      Vertx vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(eventBus))
          .withClusterManager(manager).buildClustered().await(90, TimeUnit.SECONDS);
      return new ClusterOutsider(vertx, manager.getHazelcastInstance());
    } catch (Exception e) {
      throw new IllegalStateException("the outsider could not join cluster " + name, e);
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(40, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the outsider did not leave", e);
    }
  }
}
