package dev.gateway;

import dev.gateway.auth.Authenticator;
import dev.gateway.auth.RevocationStore;
import dev.gateway.cluster.ClusterSeal;
import dev.gateway.cluster.GridRevocations;
import dev.gateway.channel.ChannelHub;
import dev.gateway.channel.PublishStamp;
import dev.gateway.channel.Publisher;
import dev.gateway.channel.ChannelBroadcast;
import dev.gateway.channel.stream.Broker;
import dev.gateway.channel.stream.GridBroker;
import dev.gateway.channel.stream.HistoryMetrics;
import dev.gateway.channel.stream.HistoryRules;
import dev.gateway.channel.stream.MemoryBroker;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.config.GatewayConfig;
import dev.gateway.demo.ClockService;
import dev.gateway.demo.EchoService;
import dev.gateway.health.Drain;
import dev.gateway.health.Health;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.presence.Presence;
import dev.gateway.transport.HttpServerVerticle;
import dev.gateway.transport.ManagementServerVerticle;
import dev.gateway.user.NodeUsers;
import dev.gateway.user.UserBans;
import dev.gateway.user.UserCommands;
import dev.gateway.user.Users;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import dev.gateway.internal.VertxInternals;
import dev.gateway.transport.sockjs.SockJsNode;
import dev.gateway.transport.tls.ServerCertificates;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;

/**
 * Deploys one gateway node: the channel hub, the demo services (when enabled), one HTTP server
 * instance per event loop, the node's users side (its consumer of user commands, bans) and,
 * with {@code management.port} set, the management server. Ready
 * once all of them started; draining once stopping.
 */
public final class MainVerticle extends VerticleBase {

  /** sockjs-client, served by the gateway itself (from its webjar). */
  static final String SOCKJS_RESOURCE =
      "META-INF/resources/webjars/sockjs-client/1.6.1/dist/sockjs.min.js";

  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final Health health = new Health();
  private final PublishStamp stamp = new PublishStamp(UUID.randomUUID().toString());
  private ChannelHub hub;
  private Authenticator authenticator;
  private ConnectionSlots slots;
  private Drain drain;
  private SockJsNode sockJsNode;
  private Publisher publisher;
  private HistoryMetrics historyMetrics;
  private ManagementServerVerticle management;
  private Presence presence;
  private Users users;
  private ServerCertificates certificates;

  public MainVerticle(GatewayConfig config, MeterRegistry registry) {
    this.config = config;
    this.metrics = new GatewayMetrics(registry);
  }

  public Health health() {
    return health;
  }

  /**
   * Paced drain (SIGTERM): fails readiness, refuses new connections, closes open ones in
   * batches over {@code server.drainWindowMs}. Completes when all were asked to close.
   */
  public Future<Void> drain() {
    return drain.start();
  }

  /** The node's publishing seam (available once started). */
  public Publisher publisher() {
    return publisher;
  }

  /** The node's presence (available once started). */
  public Presence presence() {
    return presence;
  }

  /** The node's channel hub (available once started). */
  public ChannelHub hub() {
    return hub;
  }

  /**
   * {@code gateway_cluster_safe}: 1 while every partition of the data grid has its backups in
   * sync, 0 while partitions migrate or a backup is missing. Hazelcast's check asks the other
   * members, so it runs once a second off the event loop and the gauge shows the last answer.
   */
  private void watchClusterSafety(com.hazelcast.core.HazelcastInstance hz) {
    java.util.concurrent.atomic.AtomicInteger safe = new java.util.concurrent.atomic.AtomicInteger();
    metrics.gauge("gateway.cluster.safe", "1 when every partition of the cluster's data grid has"
        + " its backups in sync (checked every second), else 0", safe::get);
    vertx.setPeriodic(1_000, t -> vertx.executeBlocking(
            () -> hz.getLifecycleService().isRunning() && hz.getPartitionService().isClusterSafe(),
            false)
        .onComplete(ar -> safe.set(ar.succeeded() && ar.result() ? 1 : 0)));
  }

  @Override
  public Future<?> start() {
    ClusterManager cluster = VertxInternals.clusterManager(vertx);
    if (cluster != null) {
      metrics.gauge("gateway.cluster.members", "Members of the cluster as seen by this node",
          () -> cluster.isActive() ? cluster.getNodes().size() : 0);
      if (cluster instanceof HazelcastClusterManager hz) {
        watchClusterSafety(hz.getHazelcastInstance());
      }
    }
    HistoryMetrics historyMetrics = new HistoryMetrics(metrics.registry());
    HistoryRules rules = HistoryRules.parse(config.history().channels());
    GatewayConfig.History h = config.history();
    ClusterSeal seal = ClusterSeal.forNode(config.cluster(), metrics::clusterMessageRejected);
    ChannelBroadcast broadcast = new ChannelBroadcast(vertx.eventBus(), seal);
    Broker broker = cluster instanceof HazelcastClusterManager hz
        ? new GridBroker(vertx, hz.getHazelcastInstance(), rules, h.maxChannels(),
            h.maxChannelsPerNode(), historyMetrics, stamp.nodeId(), broadcast)
        : new MemoryBroker(vertx, rules, Math.min(h.maxChannels(), h.maxChannelsPerNode()),
            h.maxBytesPerNode(), historyMetrics, broadcast);
    publisher = new Publisher(vertx.eventBus(), stamp, broker);
    this.historyMetrics = historyMetrics;
    hub = new ChannelHub(metrics, stamp, broker, historyMetrics, seal);
    RevocationStore revocations = new RevocationStore(seal, config.auth().maxRevocations(),
        config.auth().leewaySeconds(), metrics);
    UserBans bans = new UserBans(seal, config.users().maxBans(), metrics);
    vertx.setPeriodic(60_000, t -> {
      revocations.purge();
      bans.purge();
    });
    authenticator = new Authenticator(vertx, config.auth(), revocations, bans);
    NodeUsers nodeUsers = new NodeUsers();
    // a command carries at most a publish body (limits.maxMessageBytes) and its envelope
    users = new Users(nodeUsers, new UserCommands(vertx, seal, nodeUsers, bans, metrics,
        config.users().nodeTimeoutMs(), config.limits().maxMessageBytes() + 16 * 1024), bans);
    slots = new ConnectionSlots(config.limits().maxConnections(),
        config.limits().maxConnectionsPerAddress(), config.limits().maxHandshakesPerAddress());
    metrics.gauge("gateway.connection.slots.in.use",
        "Connection slots taken: open connections, connections closing, handshakes in progress",
        slots::inUse);
    sockJsNode = new SockJsNode(vertx, metrics, config.cluster().enabled() ? stamp.nodeId() : null,
        config.sockjs().heartbeatMs() + config.sockjs().sessionTimeoutMs() + 5_000, seal);
    drain = new Drain(vertx, health, config.server().drainWindowMs());
    presence = new Presence(config.presence(), metrics,
        cluster != null ? cluster.getNodeId() : stamp.nodeId(),
        cluster instanceof HazelcastClusterManager hz ? hz.getHazelcastInstance() : null, seal);
    return loadCertificates()
        .compose(v -> vertx.fileSystem().readFile(SOCKJS_RESOURCE))
        .compose(lib -> vertx.deployVerticle(hub).compose(id -> vertx.deployVerticle(presence))
            .compose(id -> deployDemo())
            .compose(id -> sockJsNode.start())
            .compose(v -> gridRevocations(cluster, seal, revocations))
            .compose(v -> users.commands().start()).map(lib))
        .compose(this::deployServers)
        .compose(id -> deployManagement())
        .onSuccess(id -> health.markReady());
  }

  /** With {@code server.tls.*} set: the certificate every server instance starts with. */
  private Future<Void> loadCertificates() {
    if (!config.server().tls().enabled()) {
      return Future.succeededFuture();
    }
    certificates = new ServerCertificates(vertx, config.server().tls(),
        config.server().headerTimeoutMs(), metrics);
    return certificates.start();
  }

  /** On a cluster, revocations live in the grid: loaded here before any server starts. */
  private Future<Void> gridRevocations(ClusterManager cluster, ClusterSeal seal,
                                       RevocationStore revocations) {
    if (cluster instanceof HazelcastClusterManager hazelcast) {
      return revocations.useGrid(new GridRevocations(vertx, hazelcast.getHazelcastInstance(), seal))
          .compose(v -> users.bans().useGrid(new GridRevocations(vertx,
              hazelcast.getHazelcastInstance(), seal, GridRevocations.BANS_MAP)));
    }
    return Future.succeededFuture();
  }

  private Future<?> deployDemo() {
    if (!config.demo().enabled()) {
      return Future.succeededFuture();
    }
    return Future.all(vertx.deployVerticle(new EchoService()),
        vertx.deployVerticle(new ClockService(config.demo().clockIntervalMs(), publisher)));
  }

  private Future<String> deployServers(Buffer sockJsLibrary) {
    return vertx.deployVerticle(
        () -> new HttpServerVerticle(config, hub, metrics, health, sockJsLibrary,
            slots, authenticator, stamp, drain, sockJsNode, publisher, historyMetrics, presence, users,
            certificates),
        new DeploymentOptions().setInstances(config.effectiveEventLoops()));
  }

  /** The management server, when {@code management.port} is set: one per node. */
  private Future<?> deployManagement() {
    if (!config.management().separate()) {
      return Future.succeededFuture();
    }
    management = new ManagementServerVerticle(config, metrics, health, publisher,
        authenticator.revocations(), users);
    return vertx.deployVerticle(management);
  }

  /** The management server's bound port once started, or -1 when it shares the main port. */
  public int managementPort() {
    return management == null ? -1 : management.actualPort();
  }

  @Override
  public Future<?> stop() {
    health.markDraining();
    return Future.succeededFuture();
  }
}
