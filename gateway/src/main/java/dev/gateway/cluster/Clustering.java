package dev.gateway.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.gateway.config.ConfigException;
import dev.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.VertxBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts Vert.x clustered over Hazelcast: member discovery by TCP/IP list or Kubernetes DNS,
 * multicast and auto-detection off, Hazelcast and the event bus bound to the configured
 * interface only, failure detection from configuration, graceful leave on close; event-bus TLS
 * with mutual authentication when {@code cluster.tls.*} is set.
 */
public final class Clustering {

  private Clustering() {
  }

  /** Builds a clustered Vert.x; completes once this node has joined. */
  public static Future<Vertx> start(VertxBuilder builder, VertxOptions options,
                                    GatewayConfig.Cluster cluster, int historyBackups) {
    if (cluster.secret() == null) {
      System.err.println("gateway: WARNING: clustering WITHOUT a secret (cluster.insecure=true):"
          + " anyone who reaches this node's Hazelcast or event-bus port can act as a gateway"
          + " node (forward into sessions, revoke tokens). Set GATEWAY_CLUSTER_SECRET outside a"
          + " local experiment.");
    }
    if (!cluster.tls().enabled()) {
      System.err.println("gateway: event-bus TLS is off (cluster.tls.*): traffic between nodes"
          + " travels in clear; keep the cluster ports on a private network.");
    }
    options.setEventBusOptions(eventBusOptions(cluster));
    return builder.with(options)
        .withClusterManager(new SelfAwareClusterManager(hazelcastConfig(cluster, historyBackups)))
        .buildClustered();
  }

  /**
   * The event bus between nodes: bound to the cluster interface, and with {@code cluster.tls.*}
   * TLS both ways with the dedicated cluster CA as the only trust (Vert.x's defaults trust any
   * certificate and ask clients for none, so both are set here). Vert.x turns host name
   * verification off on the clustered event bus, so the CA is what identifies a node: it must
   * issue certificates to gateway nodes and nothing else. The certificates are read once at
   * start-up (the clustered event bus cannot reload them): rotate by rolling restart.
   */
  public static EventBusOptions eventBusOptions(GatewayConfig.Cluster cluster) {
    EventBusOptions options = new EventBusOptions()
        .setHost(cluster.host())
        .setClusterPublicHost(cluster.effectivePublicHost())
        .setPort(cluster.eventBusPort());
    GatewayConfig.Tls tls = cluster.tls();
    if (tls.enabled()) {
      options.setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile())
              .setKeyPath(tls.keyFile()))
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile()))
          .setTrustAll(false)
          .setClientAuth(ClientAuth.REQUIRED);
    }
    return options;
  }

  /**
   * The cluster TLS files are readable (a clear message at start-up rather than a TLS error
   * later); a {@link ConfigException} names the first that is not.
   */
  public static void checkFiles(GatewayConfig.Cluster cluster) {
    GatewayConfig.Tls tls = cluster.tls();
    if (!cluster.enabled() || !tls.enabled()) {
      return;
    }
    check("cluster.tls.certFile", tls.certFile());
    check("cluster.tls.keyFile", tls.keyFile());
    check("cluster.tls.caFile", tls.caFile());
  }

  private static void check(String setting, String file) {
    if (!Files.isReadable(Path.of(file))) {
      throw new ConfigException(setting + ": cannot read " + file);
    }
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

    // revocations: one backup, and no eviction (the default): an entry leaves when its TTL ends,
    // never to make room (a new revocation is refused at the bound instead)
    config.addMapConfig(new MapConfig(GridRevocations.MAP).setBackupCount(1));
    config.addMapConfig(new MapConfig(GridRevocations.BANS_MAP).setBackupCount(1)); // user bans, alike

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
