package dev.gateway.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The effective, validated configuration. Defaults and documentation live in {@link Settings};
 * build one with {@link ConfigLoader}.
 */
public record GatewayConfig(Server server, Cluster cluster, SockJs sockjs, Sse sse, Security security, Auth auth,
                            Permissions permissions, Limits limits, Api api, Demo demo,
                            Management management, History history, Presence presence,
                            Users users) {

  public record Server(String host, int port, int eventLoops, String subprotocol,
                       int sendBufferBytes, boolean compression, long drainWindowMs,
                       long shutdownTimeoutMs, long headerTimeoutMs, long idleTimeoutMs,
                       ServerTls tls) {
  }

  /**
   * TLS on the client port (PEM files, reloaded when their content changes); off when neither
   * file is set. Not the cluster's TLS ({@link Tls}).
   */
  public record ServerTls(String certFile, String keyFile, long reloadIntervalMs) {

    public boolean enabled() {
      return certFile != null;
    }
  }

  public record Cluster(boolean enabled, String name, String host, String publicHost, int port,
                        int eventBusPort, List<String> members, String kubernetesServiceDns,
                        long failureDetectionMs, String secret, boolean insecure, Tls tls) {

    /** The address other nodes reach this one at. */
    public String effectivePublicHost() {
      return publicHost != null ? publicHost : host;
    }
  }

  /** Event-bus TLS between nodes (PEM files); off when none is set. */
  public record Tls(String certFile, String keyFile, String caFile) {

    public boolean enabled() {
      return certFile != null;
    }
  }

  public record SockJs(List<String> transports, long heartbeatMs, long sessionTimeoutMs,
                       int maxBytesStreaming, boolean iframe) {
  }

  /** {@code GET /sse}: Server-Sent Events streams. */
  public record Sse(long retryMs, long heartbeatMs, int maxCursorBytes, String tokenCookie) {
  }

  public record Security(List<String> allowedOrigins, boolean allowMissingOrigin,
                         List<String> trustedProxies) {
  }

  /** Authentication with JWT; mode is none, optional or required. */
  public record Auth(String mode, String hs256Secret, String rs256PublicKey, String issuer,
                     String audience, int leewaySeconds, long deadlineMs,
                     boolean requireExpiry, int maxTokenLifetimeSeconds, int maxRevocations) {

    public boolean enabled() {
      return !mode.equals("none");
    }

    public boolean required() {
      return mode.equals("required");
    }
  }

  public record Permissions(List<String> subscribe, List<String> publish, List<String> send,
                            boolean allowAnySubscribe) {
  }

  public record Limits(int maxConnections, int maxFrameBytes, int messagesPerSecond,
                       int messageBurst, int rateLimitStrikes, int maxPendingRequests,
                       long pingIntervalMs, long pongTimeoutMs, int outboundQueueBytes,
                       long slowConsumerTimeoutMs, int slowConsumerMaxDrops, int maxAddressLength,
                       int maxChannelsPerConnection, int maxMessageBytes, long requestTimeoutMs,
                       int maxConnectionsPerAddress, int maxHandshakesPerAddress,
                       long closeTimeoutMs, int bytesPerSecond, int byteBurst) {
  }

  public record Api(String key) {
  }

  /** The users API: bans held and their longest length, and how long a node's answer may take. */
  public record Users(int maxBans, int maxBanSeconds, long nodeTimeoutMs) {
  }

  public record Demo(boolean enabled, long clockIntervalMs) {
  }

  /** Which channels keep history and how much the node and cluster may hold. */
  public record History(List<String> channels, int maxChannels, int maxChannelsPerNode,
                        long maxBytesPerNode, int backups) {
  }

  /** Which channels have presence, and what join/leave events may cost. */
  public record Presence(List<String> channels, long intervalMs, int maxEventsPerInterval,
                         int countsOnlyAbove, int maxMembersPerNode) {
  }

  /**
   * Where metrics, health and the HTTP API are served: on a server of their own when
   * {@code port} is set (the main port then answers 404 for them), otherwise on the main port.
   * {@code port} is text so that unset can be told from 0 (a free port); validated as a number.
   */
  public record Management(String port, String host) {

    /** Whether a separate management server runs. */
    public boolean separate() {
      return port != null;
    }

    /** The management port (call only when {@link #separate()}). */
    public int portNumber() {
      return Integer.parseInt(port.trim());
    }

    /** The address the management server binds to: {@code host}, or the main server's. */
    public String effectiveHost(Server server) {
      return host != null ? host : server.host();
    }
  }

  static final Set<String> SOCKJS_TRANSPORTS =
      Set.of("websocket", "xhr", "eventsource", "htmlfile", "jsonp");

  /** Number of server event loops to run: the configured value, or one per core. */
  public int effectiveEventLoops() {
    return server.eventLoops() > 0 ? server.eventLoops() : Runtime.getRuntime().availableProcessors();
  }

  /** Builds and validates the configuration from every setting's value (see {@link ConfigBinder}). */
  static GatewayConfig from(Map<String, Object> v) {
    GatewayConfig c = ConfigBinder.bind(v);
    c.validate();
    return c;
  }

  private void validate() {
    require(server.port() >= 0 && server.port() <= 65535, "server.port must be 0..65535");
    require(server.host() != null && !server.host().isBlank(), "server.host must be set");
    require(server.eventLoops() >= 0, "server.eventLoops must be >= 0");
    require(server.subprotocol() != null && !server.subprotocol().isBlank(),
        "server.subprotocol must be set");
    require(server.drainWindowMs() >= 0, "server.drainWindowMs must be >= 0");
    require(server.sendBufferBytes() >= 0, "server.sendBufferBytes must be >= 0");
    require(server.shutdownTimeoutMs() >= 0, "server.shutdownTimeoutMs must be >= 0");
    require(server.headerTimeoutMs() > 0, "server.headerTimeoutMs must be > 0");
    // an idle HTTP connection is closed: it must outlast a held SockJS poll (ended by the next
    // heartbeat at the latest) and a silent WebSocket's ping and pong
    require(server.idleTimeoutMs() > sockjs.heartbeatMs(),
        "server.idleTimeoutMs must be greater than sockjs.heartbeatMs");
    require(server.idleTimeoutMs() > limits.pingIntervalMs() + limits.pongTimeoutMs(),
        "server.idleTimeoutMs must be greater than limits.pingIntervalMs + limits.pongTimeoutMs");
    require(cluster.name() != null && !cluster.name().isBlank(), "cluster.name must be set");
    require(cluster.host() != null && !cluster.host().isBlank(), "cluster.host must be set");
    require(cluster.port() > 0 && cluster.port() <= 65535, "cluster.port must be 1..65535");
    require(cluster.eventBusPort() >= 0 && cluster.eventBusPort() <= 65535,
        "cluster.eventBusPort must be 0..65535");
    require(!cluster.enabled() || server.port() != 0,
        "server.port must be fixed (not 0) when clustered: nodes replay SockJS requests to it");
    require(cluster.failureDetectionMs() >= 1000, "cluster.failureDetectionMs must be >= 1000");
    require(!cluster.enabled() || cluster.kubernetesServiceDns() != null || !cluster.members().isEmpty(),
        "cluster.members must list at least one address (or set cluster.kubernetesServiceDns)");
    validateClusterSecurity();
    validateServerTls();
    for (String t : sockjs.transports()) {
      require(SOCKJS_TRANSPORTS.contains(t),
          "sockjs.transports: unknown transport '" + t + "' (known: " + SOCKJS_TRANSPORTS + ")");
    }
    require(sockjs.heartbeatMs() > 0, "sockjs.heartbeatMs must be > 0");
    require(sockjs.sessionTimeoutMs() > 0, "sockjs.sessionTimeoutMs must be > 0");
    require(sockjs.maxBytesStreaming() > 0, "sockjs.maxBytesStreaming must be > 0");
    require(sse.retryMs() >= 0, "sse.retryMs must be >= 0");
    require(sse.heartbeatMs() > 0 && sse.heartbeatMs() < server.idleTimeoutMs(),
        "sse.heartbeatMs must be > 0 and less than server.idleTimeoutMs");
    require(sse.maxCursorBytes() >= 64, "sse.maxCursorBytes must be >= 64");
    require(Set.of("none", "optional", "required").contains(auth.mode()),
        "auth.mode must be none, optional or required");
    require(!auth.enabled() || auth.hs256Secret() != null || auth.rs256PublicKey() != null,
        "auth.mode " + auth.mode() + " needs auth.hs256Secret or auth.rs256PublicKey");
    require(auth.hs256Secret() == null || auth.hs256Secret().length() >= 32,
        "auth.hs256Secret must be at least 32 characters");
    require(auth.leewaySeconds() >= 0, "auth.leewaySeconds must be >= 0");
    require(auth.deadlineMs() > 0, "auth.deadlineMs must be > 0");
    require(limits.maxConnections() > 0, "limits.maxConnections must be > 0");
    require(limits.maxFrameBytes() >= 125, "limits.maxFrameBytes must be >= 125");
    require(limits.messagesPerSecond() > 0, "limits.messagesPerSecond must be > 0");
    require(limits.messageBurst() > 0, "limits.messageBurst must be > 0");
    require(limits.rateLimitStrikes() >= 0, "limits.rateLimitStrikes must be >= 0");
    require(limits.maxPendingRequests() > 0, "limits.maxPendingRequests must be > 0");
    require(limits.pingIntervalMs() > 0, "limits.pingIntervalMs must be > 0");
    require(limits.pongTimeoutMs() > 0, "limits.pongTimeoutMs must be > 0");
    for (String origin : security.allowedOrigins()) {
      require(origin.equals("*") || Origins.normalize(origin) != null,
          "security.allowedOrigins: not an origin (scheme://host[:port]): '" + origin + "'");
    }
    for (String proxy : security.trustedProxies()) {
      try {
        AddressRange.parse(proxy);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("security.trustedProxies: " + e.getMessage()
            + " (expected e.g. 10.0.0.5, 10.0.0.0/8 or fd00::/8)");
      }
    }
    require(limits.outboundQueueBytes() > 0, "limits.outboundQueueBytes must be > 0");
    require(limits.slowConsumerMaxDrops() > 0, "limits.slowConsumerMaxDrops must be > 0");
    require(limits.slowConsumerTimeoutMs() > 0, "limits.slowConsumerTimeoutMs must be > 0");
    require(limits.maxAddressLength() > 0, "limits.maxAddressLength must be > 0");
    require(limits.maxChannelsPerConnection() > 0, "limits.maxChannelsPerConnection must be > 0");
    require(limits.maxMessageBytes() > 0, "limits.maxMessageBytes must be > 0");
    require(limits.requestTimeoutMs() > 0, "limits.requestTimeoutMs must be > 0");
    require(limits.maxConnectionsPerAddress() > 0, "limits.maxConnectionsPerAddress must be > 0");
    require(limits.maxHandshakesPerAddress() > 0, "limits.maxHandshakesPerAddress must be > 0");
    require(limits.closeTimeoutMs() > 0, "limits.closeTimeoutMs must be > 0");
    require(demo.clockIntervalMs() > 0, "demo.clockIntervalMs must be > 0");
    try {
      dev.gateway.channel.stream.HistoryRules.parse(history.channels());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("history.channels: " + e.getMessage());
    }
    require(history.maxChannels() > 0, "history.maxChannels must be > 0");
    require(history.maxChannelsPerNode() > 0, "history.maxChannelsPerNode must be > 0");
    require(history.maxBytesPerNode() > 0, "history.maxBytesPerNode must be > 0");
    require(history.backups() >= 0 && history.backups() <= 6, "history.backups must be 0..6");
    require(presence.intervalMs() >= 50 && presence.intervalMs() <= 1_000,
        "presence.intervalMs must be 50..1000");
    require(presence.maxEventsPerInterval() > 0, "presence.maxEventsPerInterval must be > 0");
    require(presence.countsOnlyAbove() >= 0, "presence.countsOnlyAbove must be >= 0");
    require(presence.maxMembersPerNode() > 0, "presence.maxMembersPerNode must be > 0");
    validateManagement();
    validateSecureDefaults();
    require(auth.maxRevocations() > 0, "auth.maxRevocations must be > 0");
    require(users.maxBans() > 0, "users.maxBans must be > 0");
    require(users.maxBanSeconds() > 0, "users.maxBanSeconds must be > 0");
    require(users.nodeTimeoutMs() > 0, "users.nodeTimeoutMs must be > 0");
  }

  private void validateManagement() {
    if (!management.separate()) {
      return;
    }
    int port;
    try {
      port = management.portNumber();
    } catch (NumberFormatException e) {
      throw new ConfigException("management.port must be a port number 0..65535 (or unset), not '"
          + management.port() + "'");
    }
    require(port >= 0 && port <= 65535, "management.port must be 0..65535 (or unset)");
    require(port == 0 || port != server.port(),
        "management.port must differ from server.port (unset serves management on server.port)");
  }

  /** Channels apart from services, the byte rate and token lifetimes. */
  private void validateSecureDefaults() {
    for (String channels : permissions.subscribe()) {
      if (channels.equals("*")) {
        require(permissions.allowAnySubscribe(), "permissions.subscribe: '*' lets clients register"
            + " to every address, backend services included, and take a share of their requests;"
            + " list the channel namespaces instead (e.g. chat.*), or set"
            + " permissions.allowAnySubscribe=true to accept the risk");
        continue; // accepted as unsafe: services are then only the addresses send patterns name
      }
      for (String services : permissions.send()) {
        Globs.overlap(channels, services).ifPresent(address -> {
          throw new ConfigException("permissions.subscribe pattern '" + channels + "' overlaps"
              + " permissions.send pattern '" + services + "' (both match '" + address + "'): an"
              + " address is either a channel clients register to or a service they send to");
        });
      }
    }
    require(limits.bytesPerSecond() > 0, "limits.bytesPerSecond must be > 0");
    require(limits.byteBurst() >= limits.maxMessageBytes(),
        "limits.byteBurst must be >= limits.maxMessageBytes, so that every message can pass");
    require(auth.maxTokenLifetimeSeconds() > 0, "auth.maxTokenLifetimeSeconds must be > 0");
  }

  private void validateServerTls() {
    ServerTls t = server.tls();
    require((t.certFile() == null) == (t.keyFile() == null), "server.tls.certFile and"
        + " server.tls.keyFile (GATEWAY_TLS_CERT_FILE, GATEWAY_TLS_KEY_FILE) go together: set both"
        + " (TLS on the client port) or neither (plain HTTP); only "
        + (t.certFile() != null ? "server.tls.certFile" : "server.tls.keyFile") + " is set");
    require(t.reloadIntervalMs() >= 100, "server.tls.reloadIntervalMs must be >= 100");
  }

  private void validateClusterSecurity() {
    require(cluster.secret() == null || cluster.secret().length() >= 32,
        "cluster.secret must be at least 32 characters");
    require(!cluster.enabled() || cluster.secret() != null || cluster.insecure(),
        "clustering needs a shared secret: set cluster.secret (GATEWAY_CLUSTER_SECRET, at least 32"
            + " characters, the same on every node, e.g. from `openssl rand -base64 32`), or"
            + " cluster.insecure=true (GATEWAY_CLUSTER_INSECURE) for a local experiment");
    Tls t = cluster.tls();
    int set = (t.certFile() != null ? 1 : 0) + (t.keyFile() != null ? 1 : 0)
        + (t.caFile() != null ? 1 : 0);
    require(set == 0 || set == 3, "cluster.tls.certFile, cluster.tls.keyFile and cluster.tls.caFile"
        + " (GATEWAY_CLUSTER_TLS_CERT_FILE, _KEY_FILE, _CA_FILE) go together: set all three or none");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new ConfigException(message);
    }
  }

}
