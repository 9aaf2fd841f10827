package dev.gateway.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.VertxBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * Starts Vert.x clustered over Hazelcast: member discovery by TCP/IP list or Kubernetes DNS,
 * multicast and auto-detection off, Hazelcast and the event bus bound to the configured
 * interface only, failure detection from configuration, graceful leave on close.
 */
public final class Clustering {

  private Clustering() {
  }

  /** Builds a clustered Vert.x; completes once this node has joined. */
  public static Future<Vertx> start(VertxBuilder builder, VertxOptions options,
                                    GatewayConfig.Cluster cluster, int historyBackups) {
    options.setEventBusOptions(new EventBusOptions()
        .setHost(cluster.host())
        .setClusterPublicHost(cluster.effectivePublicHost())
        .setPort(cluster.eventBusPort()));
    return builder.with(options)
        .withClusterManager(new SelfAwareClusterManager(hazelcastConfig(cluster, historyBackups)))
        .buildClustered();
  }

  /** The Hazelcast configuration for this node (vertx-hazelcast's maps, our network). */
  public static Config hazelcastConfig(GatewayConfig.Cluster cluster, int historyBackups) {
    Config config = ConfigUtil.loadConfig();
    dev.gateway.channel.stream.GridBroker.configure(config, historyBackups);
    config.setClusterName(cluster.name());
    long heartbeatSeconds = 1;
    long noHeartbeatSeconds = Math.max(2, cluster.failureDetectionMs() / 1000);
    config.setProperty("hazelcast.phone.home.enabled", "false")
        .setProperty("hazelcast.socket.bind.any", "false")
        .setProperty("hazelcast.wait.seconds.before.join", "0")
        .setProperty("hazelcast.logging.type", "jdk")
        .setProperty("hazelcast.shutdownhook.enabled", "false")
        .setProperty("hazelcast.graceful.shutdown.max.wait", "20")
        .setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(heartbeatSeconds))
        .setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(noHeartbeatSeconds))
        .setProperty("hazelcast.merge.first.run.delay.seconds", "2")
        .setProperty("hazelcast.merge.next.run.delay.seconds", "2");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true).setPortCount(20);
    network.setPublicAddress(cluster.effectivePublicHost());
    network.getInterfaces().setEnabled(true).clear().addInterface(cluster.host());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (cluster.kubernetesServiceDns() != null) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", cluster.kubernetesServiceDns());
    } else {
      join.getKubernetesConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    }
    return config;
  }
}
