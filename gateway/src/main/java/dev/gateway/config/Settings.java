package dev.gateway.config;

import static dev.gateway.config.Setting.Type.BOOLEAN;
import static dev.gateway.config.Setting.Type.INT;
import static dev.gateway.config.Setting.Type.LIST;
import static dev.gateway.config.Setting.Type.LONG;
import static dev.gateway.config.Setting.Type.STRING;

import java.util.List;

/**
 * Every setting of the gateway with its default. Precedence, lowest first: these defaults, then
 * the config file (JSON or YAML, named by {@code GATEWAY_CONFIG} or {@code --config}), then
 * {@code GATEWAY_*} environment variables. The settings table of docs/configuration.md mirrors
 * this list (a test keeps them in step).
 */
public final class Settings {

  private Settings() {
  }

  public static final List<Setting> ALL = List.of(
      // server
      new Setting("server.host", "GATEWAY_HOST", STRING, "0.0.0.0",
          "Address the HTTP/WebSocket server binds to."),
      new Setting("server.port", "GATEWAY_PORT", INT, 8080,
          "Port of the HTTP/WebSocket server."),
      new Setting("server.eventLoops", "GATEWAY_EVENT_LOOPS", INT, 0,
          "Server verticle instances (one event loop each); 0 means one per CPU core."),
      new Setting("server.subprotocol", "GATEWAY_SUBPROTOCOL", STRING, "v1.eventbus.gateway",
          "WebSocket subprotocol the gateway selects when a client offers it."),
      new Setting("server.sendBufferBytes", "GATEWAY_SEND_BUFFER_BYTES", INT, 64 * 1024,
          "Kernel send buffer per connection (SO_SNDBUF); bounds what a non-reading client can"
              + " hold in the kernel beyond the outbound queue. 0 leaves it to the OS."),
      new Setting("server.compression", "GATEWAY_COMPRESSION", BOOLEAN, false,
          "Offer permessage-deflate. Inflated messages are capped at `limits.maxMessageBytes`"
              + " inside the inflater (close 1009), so a small compressed frame cannot expand"
              + " without bound."),
      new Setting("server.drainWindowMs", "GATEWAY_DRAIN_WINDOW_MS", LONG, 10_000L,
          "On SIGTERM: readiness fails at once, new connections are refused, and open ones are"
              + " closed with 1001 in batches spread over this window (keep it below the"
              + " orchestrator's grace period minus the shutdown timeout)."),
      new Setting("server.shutdownTimeoutMs", "GATEWAY_SHUTDOWN_TIMEOUT_MS", LONG, 10_000L,
          "How long a stopping node waits for connections to close before it exits."),
      new Setting("server.headerTimeoutMs", "GATEWAY_HEADER_TIMEOUT_MS", LONG, 10_000L,
          "An HTTP connection that has not sent a complete request head within this time of"
              + " connecting is closed (slow or half-open requests); a WebSocket handshake that"
              + " has not completed within it after its head is given up."),
      new Setting("server.idleTimeoutMs", "GATEWAY_IDLE_TIMEOUT_MS", LONG, 60_000L,
          "A connection with no traffic either way for this long is closed. Must exceed"
              + " `sockjs.heartbeatMs` and `limits.pingIntervalMs` + `limits.pongTimeoutMs`."),
      new Setting("server.tls.certFile", "GATEWAY_TLS_CERT_FILE", STRING, null,
          "TLS on `server.port` (`wss://`, `https://` SockJS, the API): the certificate chain"
              + " (PEM, the server's certificate first, as cert-manager's `tls.crt`). Set it and"
              + " `server.tls.keyFile` together, or neither for plain HTTP. TLS 1.2 and 1.3 only"
              + " ([security.md](security.md#tls))."),
      new Setting("server.tls.keyFile", "GATEWAY_TLS_KEY_FILE", STRING, null,
          "The private key of `server.tls.certFile` (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC,"
              + " unencrypted; RSA or ECDSA)."),
      new Setting("server.tls.reloadIntervalMs", "GATEWAY_TLS_RELOAD_INTERVAL_MS", LONG, 10_000L,
          "How often the two TLS files are read and hashed; when their content changed and the"
              + " new key matches the new certificate, new handshakes use them (open connections"
              + " keep theirs). A pair that does not match, or does not parse, is refused and the"
              + " old one kept (`gateway_tls_reloads_total`)."),
      // management server
      new Setting("management.port", "GATEWAY_MANAGEMENT_PORT", STRING, null,
          "Port of a separate HTTP server for `/metrics`, `/health/*` and the HTTP API (`/api/*`);"
              + " when set, the main port answers 404 for them. Unset: they are served on"
              + " `server.port`, beside the client endpoints. 0 picks a free port."),
      new Setting("management.host", "GATEWAY_MANAGEMENT_HOST", STRING, null,
          "Address the management server binds to (`127.0.0.1` keeps it to the host); unset"
              + " means `server.host`."),
      // cluster
      new Setting("cluster.enabled", "GATEWAY_CLUSTER", BOOLEAN, false,
          "Join a Hazelcast cluster so broadcasts reach subscribers on every node."),
      new Setting("cluster.name", "GATEWAY_CLUSTER_NAME", STRING, "gateway",
          "Hazelcast cluster name: only nodes with the same name join each other."),
      new Setting("cluster.host", "GATEWAY_CLUSTER_HOST", STRING, "127.0.0.1",
          "Interface Hazelcast and the event bus bind to (in Kubernetes: the pod IP)."),
      new Setting("cluster.publicHost", "GATEWAY_CLUSTER_PUBLIC_HOST", STRING, null,
          "Address other nodes use to reach this one; unset means `cluster.host`."),
      new Setting("cluster.port", "GATEWAY_CLUSTER_PORT", INT, 5701,
          "Hazelcast member port (the next free one up to +20 is taken if busy)."),
      new Setting("cluster.eventBusPort", "GATEWAY_CLUSTER_EVENTBUS_PORT", INT, 0,
          "Event-bus TCP port between nodes; 0 picks a free one (fix it when a firewall or"
              + " NetworkPolicy needs to know)."),
      new Setting("cluster.members", "GATEWAY_CLUSTER_MEMBERS", LIST, List.of("127.0.0.1"),
          "TCP/IP discovery: addresses (host or host:port) of nodes to join."),
      new Setting("cluster.kubernetesServiceDns", "GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS", STRING,
          null, "Kubernetes discovery instead of the member list: DNS name of the headless"
              + " Service, e.g. `gateway-cluster.default.svc.cluster.local`."),
      new Setting("cluster.failureDetectionMs", "GATEWAY_CLUSTER_FAILURE_DETECTION_MS", LONG, 10_000L,
          "A node silent this long is declared dead and its registrations dropped."),
      // cluster security
      new Setting("cluster.secret", "GATEWAY_CLUSTER_SECRET", STRING, null,
          "Shared secret of the cluster's nodes (at least 32 characters; the same on every node):"
              + " authenticates forwarded SockJS traffic and revocations between nodes and keys"
              + " the hashes of ids in shared maps. Required when clustered."),
      new Setting("cluster.insecure", "GATEWAY_CLUSTER_INSECURE", BOOLEAN, false,
          "Cluster without `cluster.secret` (a loud warning at start-up): anyone who reaches the"
              + " cluster ports can act as a node. Local experiments only."),
      new Setting("cluster.tls.certFile", "GATEWAY_CLUSTER_TLS_CERT_FILE", STRING, null,
          "Event-bus TLS between nodes: this node's certificate (PEM), issued by the cluster CA."
              + " Set all three `cluster.tls.*` files or none."),
      new Setting("cluster.tls.keyFile", "GATEWAY_CLUSTER_TLS_KEY_FILE", STRING, null,
          "Event-bus TLS: the private key (PEM, PKCS#8 or PKCS#1/SEC1) of `cluster.tls.certFile`."),
      new Setting("cluster.tls.caFile", "GATEWAY_CLUSTER_TLS_CA_FILE", STRING, null,
          "Event-bus TLS: the dedicated cluster CA (PEM). Nodes accept connections only with a"
              + " certificate it issued, both ways (no host name check: pod IPs change)."),
      // SockJS
      new Setting("sockjs.transports", "GATEWAY_SOCKJS_TRANSPORTS", LIST,
          List.of("websocket", "xhr", "eventsource"),
          "SockJS transports served: websocket (with raw /eventbus/websocket), xhr (xhr-streaming"
              + " and xhr-polling), eventsource, htmlfile, jsonp."),
      new Setting("sockjs.heartbeatMs", "GATEWAY_SOCKJS_HEARTBEAT_MS", LONG, 25_000L,
          "Interval of SockJS heartbeat frames."),
      new Setting("sockjs.sessionTimeoutMs", "GATEWAY_SOCKJS_SESSION_TIMEOUT_MS", LONG, 5_000L,
          "A polling session with no request for this long is closed."),
      new Setting("sockjs.maxBytesStreaming", "GATEWAY_SOCKJS_MAX_BYTES_STREAMING", INT, 128 * 1024,
          "Bytes sent on one streaming response before the client is asked to reopen it."),
      // Server-Sent Events
      new Setting("sse.retryMs", "GATEWAY_SSE_RETRY_MS", LONG, 3_000L,
          "The `retry:` an SSE stream opens with: how long an EventSource waits before it"
              + " reconnects after the stream ended."),
      new Setting("sse.heartbeatMs", "GATEWAY_SSE_HEARTBEAT_MS", LONG, 15_000L,
          "Interval of the comment line (`:`) an SSE stream carries when idle, so proxies and"
              + " the idle timeout keep it open and a vanished client is noticed."),
      new Setting("sse.maxCursorBytes", "GATEWAY_SSE_MAX_CURSOR_BYTES", INT, 4_096,
          "Longest SSE cursor (`id:`, sent back as `Last-Event-ID`), in characters. A stream"
              + " whose channels could need a longer one is refused (400 `cursor_too_large`), and"
              + " so is a longer `Last-Event-ID` (400 `invalid_cursor`)."),
      new Setting("sse.tokenCookie", "GATEWAY_SSE_TOKEN_COOKIE", STRING, null,
          "Name of a cookie an SSE request may carry its token in (after `Authorization:"
              + " Bearer`, before the `token` query parameter). Unset: no cookie is read."),
      // handshake gate
      new Setting("security.allowedOrigins", "GATEWAY_ALLOWED_ORIGINS", LIST, List.of(),
          "Browser origins allowed to connect, matched exactly (`https://app.example.com`)."
              + " Empty: only the gateway's own origin (Origin host and port equal to Host). `*`"
              + " allows every origin (not for production)."),
      new Setting("security.allowMissingOrigin", "GATEWAY_ALLOW_MISSING_ORIGIN", BOOLEAN, true,
          "Accept requests without an Origin header (non-browser clients: scripts, devices)."),
      new Setting("security.trustedProxies", "GATEWAY_TRUSTED_PROXIES", LIST, List.of(),
          "Reverse proxies (IP addresses or CIDR ranges, IPv4 or IPv6) whose `X-Forwarded-For`"
              + " is believed: the client address is the first untrusted one from the right."
              + " Empty: the header is ignored and the TCP peer is the client."),
      new Setting("sockjs.iframe", "GATEWAY_SOCKJS_IFRAME", BOOLEAN, false,
          "Serve SockJS's iframe page (needed by the htmlfile and iframe-based transports)."),
      new Setting("limits.maxConnections", "GATEWAY_MAX_CONNECTIONS", INT, 15_000,
          "Open connections per node; further handshakes are refused with 503."),
      new Setting("limits.maxConnectionsPerAddress", "GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", INT,
          1_000, "Open connections per client address (IPv6: per /64), as resolved through"
              + " `security.trustedProxies`; further handshakes are refused with 429."),
      new Setting("limits.maxHandshakesPerAddress", "GATEWAY_MAX_HANDSHAKES_PER_ADDRESS", INT, 64,
          "Handshakes in flight per client address (IPv6: per /64), counting HTTP connections"
              + " that have not sent a complete request head yet; above it new ones are refused"
              + " (429) or, before any request head, closed."),
      // authentication
      new Setting("auth.mode", "GATEWAY_AUTH_MODE", STRING, "none",
          "`none`: anonymous clients with the `permissions.*` settings. `optional`: a token is"
              + " checked when given, anonymous otherwise. `required`: every connection needs a"
              + " valid token."),
      new Setting("auth.hs256Secret", "GATEWAY_JWT_HS256_SECRET", STRING, null,
          "Shared secret for HS256-signed tokens."),
      new Setting("auth.rs256PublicKey", "GATEWAY_JWT_RS256_PUBLIC_KEY", STRING, null,
          "PEM public key (`-----BEGIN PUBLIC KEY-----`) for RS256-signed tokens."),
      new Setting("auth.issuer", "GATEWAY_JWT_ISSUER", STRING, null,
          "Required `iss` claim, if set."),
      new Setting("auth.audience", "GATEWAY_JWT_AUDIENCE", STRING, null,
          "Required `aud` claim, if set."),
      new Setting("auth.leewaySeconds", "GATEWAY_JWT_LEEWAY_SECONDS", INT, 5,
          "Clock skew tolerated on `exp` at the handshake."),
      new Setting("auth.deadlineMs", "GATEWAY_AUTH_DEADLINE_MS", LONG, 10_000L,
          "With `auth.mode=required`, a connection that has not presented a valid token this long"
              + " after opening (SockJS and the raw SockJS WebSocket authenticate with their first"
              + " message) is closed with 1008."),
      // token lifetime
      new Setting("auth.requireExpiry", "GATEWAY_JWT_REQUIRE_EXPIRY", BOOLEAN, true,
          "Refuse tokens without an `exp` claim (`invalid_token`)."),
      new Setting("auth.maxTokenLifetimeSeconds", "GATEWAY_JWT_MAX_LIFETIME_SECONDS", INT, 86_400,
          "Longest token lifetime accepted: `exp` minus `iat` (minus the present time when there"
              + " is no `iat`); a longer-lived token is `invalid_token`."),
      // revocations
      new Setting("auth.maxRevocations", "GATEWAY_MAX_REVOCATIONS", INT, 100_000,
          "Token revocations held at once (cluster-wide on a cluster); at the bound a new one is"
              + " refused (507 `revocation_limit`), never an old one dropped."),
      // permissions
      new Setting("permissions.subscribe", "GATEWAY_PERMISSIONS_SUBSCRIBE", LIST,
          List.of("chat.*", "clock"),
          "Channel namespaces: address patterns clients may register to (`*` matches any"
              + " characters), never overlapping `permissions.send`. A token's `subscribe` claim"
              + " narrows them, never widens them. The internal namespace (`gateway.internal.`,"
              + " `__vertx.`) is never reachable."),
      new Setting("permissions.publish", "GATEWAY_PERMISSIONS_PUBLISH", LIST, List.of("chat.*"),
          "Address patterns clients may publish to."),
      new Setting("permissions.send", "GATEWAY_PERMISSIONS_SEND", LIST, List.of("echo"),
          "Address patterns clients may `send` to (point-to-point, request/reply with backends)."),
      // channels apart from services
      new Setting("permissions.allowAnySubscribe", "GATEWAY_PERMISSIONS_ALLOW_ANY_SUBSCRIBE",
          BOOLEAN, false,
          "Unsafe: accept a bare `*` in `permissions.subscribe`, which lets clients register to"
              + " any address but those `permissions.send` names, including backend addresses"
              + " clients cannot send to. Without it such a configuration stops the node at"
              + " start-up."),
      // limits
      new Setting("limits.maxFrameBytes", "GATEWAY_MAX_FRAME_BYTES", INT, 64 * 1024,
          "Largest WebSocket frame a client may send (close 1009 above)."),
      new Setting("limits.messagesPerSecond", "GATEWAY_MESSAGES_PER_SECOND", INT, 100,
          "Sustained client messages per second per connection (token bucket rate)."),
      new Setting("limits.messageBurst", "GATEWAY_MESSAGE_BURST", INT, 200,
          "Client messages a connection may send in a burst (token bucket size)."),
      // byte rate
      new Setting("limits.bytesPerSecond", "GATEWAY_BYTES_PER_SECOND", INT, 64 * 1024,
          "Sustained bytes of client messages per second per connection (token bucket rate;"
              + " refused like the message rate)."),
      new Setting("limits.byteBurst", "GATEWAY_BYTE_BURST", INT, 512 * 1024,
          "Bytes of client messages a connection may send in a burst (token bucket size); at"
              + " least `limits.maxMessageBytes`, so every message fits."),
      new Setting("limits.rateLimitStrikes", "GATEWAY_RATE_LIMIT_STRIKES", INT, 100,
          "Messages refused for rate (messages or bytes) within 10 s after which the connection"
              + " is closed (4003)."),
      new Setting("limits.maxPendingRequests", "GATEWAY_MAX_PENDING_REQUESTS", INT, 32,
          "Requests and registrations of one connection in progress at once; above it the"
              + " gateway stops reading from that connection until half of them finished."),
      new Setting("limits.pingIntervalMs", "GATEWAY_PING_INTERVAL_MS", LONG, 25_000L,
          "A native WebSocket silent this long is sent a ping."),
      new Setting("limits.pongTimeoutMs", "GATEWAY_PONG_TIMEOUT_MS", LONG, 10_000L,
          "A pinged connection that sends nothing for this long is closed (4002)."),
      new Setting("limits.outboundQueueBytes", "GATEWAY_OUTBOUND_QUEUE_BYTES", INT, 1024 * 1024,
          "Bytes written to a connection and not yet flushed, above which broadcasts to it are"
              + " dropped."),
      new Setting("limits.slowConsumerTimeoutMs", "GATEWAY_SLOW_CONSUMER_TIMEOUT_MS", LONG, 2_000L,
          "A connection whose outbound queue stays full this long is closed as a slow consumer."),
      new Setting("limits.closeTimeoutMs", "GATEWAY_CLOSE_TIMEOUT_MS", LONG, 10_000L,
          "A connection the gateway closed keeps its transport until the client has read the"
              + " close; a client that reads nothing for this long has it cut."),
      new Setting("limits.slowConsumerMaxDrops", "GATEWAY_SLOW_CONSUMER_MAX_DROPS", INT, 10_000,
          "Broadcasts dropped for one connection in a row (no write in between) after which it"
              + " is closed as a slow consumer even before the timeout."),
      new Setting("limits.maxAddressLength", "GATEWAY_MAX_ADDRESS_LENGTH", INT, 255,
          "Longest address (channel name) a client may use."),
      new Setting("limits.maxChannelsPerConnection", "GATEWAY_MAX_CHANNELS_PER_CONNECTION", INT, 128,
          "Channels one connection may be registered to at once."),
      new Setting("limits.maxMessageBytes", "GATEWAY_MAX_MESSAGE_BYTES", INT, 256 * 1024,
          "Largest client message (WebSocket message or HTTP publish body)."),
      new Setting("limits.requestTimeoutMs", "GATEWAY_REQUEST_TIMEOUT_MS", LONG, 10_000L,
          "Time a client `send` with replyAddress waits for a backend reply."),
      // HTTP publish API
      new Setting("api.key", "GATEWAY_API_KEY", STRING, null,
          "Bearer key required by the HTTP API (`/api/publish`, `/api/revoke`, `/api/history`,"
              + " `/api/users/*`). Unset: only loopback clients may call it."),
      // users across connections (the users API)
      new Setting("users.maxBans", "GATEWAY_MAX_USER_BANS", INT, 100_000,
          "User bans (`POST /api/users/disconnect` with `banSeconds`) held at once (cluster-wide"
              + " on a cluster); at the bound a new one is refused (507 `ban_limit`), never an old"
              + " one dropped."),
      new Setting("users.maxBanSeconds", "GATEWAY_MAX_USER_BAN_SECONDS", INT, 604_800,
          "Longest ban a disconnect may ask for (`banSeconds`, 1 to this; 7 days by default)."),
      new Setting("users.nodeTimeoutMs", "GATEWAY_USERS_NODE_TIMEOUT_MS", LONG, 2_000L,
          "How long a users API call waits for each node's answer; a node that has not answered"
              + " by then is named in the answer's `unanswered`."),
      // history and recovery
      new Setting("history.channels", "GATEWAY_HISTORY_CHANNELS", LIST,
          List.of("chat.* size=100 maxBytes=1048576 ttlSeconds=300"),
          "Channels that keep history, first match wins: `PATTERN size=N maxBytes=N"
              + " ttlSeconds=N` (at most N publications and N bytes, each for N seconds; the"
              + " stream is forgotten after N seconds without a publication). Empty: no history."),
      new Setting("history.maxChannels", "GATEWAY_HISTORY_MAX_CHANNELS", INT, 10_000,
          "History channels the cluster (or single node) holds at most; at the cap a publication"
              + " that would start a new one is refused (`history_limit`), existing ones keep"
              + " working."),
      new Setting("history.maxChannelsPerNode", "GATEWAY_HISTORY_MAX_CHANNELS_PER_NODE", INT, 10_000,
          "History channels one node holds at most (their streams' share of the grid)."),
      new Setting("history.maxBytesPerNode", "GATEWAY_HISTORY_MAX_BYTES_PER_NODE", LONG,
          256L * 1024 * 1024, "Bytes of history a single node keeps at most (clustered nodes are"
              + " bounded by their channels times the rules' `maxBytes`)."),
      new Setting("history.backups", "GATEWAY_HISTORY_BACKUPS", INT, 1,
          "Backup copies of each history stream on other nodes: 1 survives the loss of any one"
              + " node."),
      // presence
      new Setting("presence.channels", "GATEWAY_PRESENCE_CHANNELS", LIST, List.of("chat.*"),
          "Channels with presence (address patterns): who is registered (`presence`,"
              + " `presence_stats`) and, for registers that ask, join and leave events. Empty:"
              + " no presence."),
      new Setting("presence.intervalMs", "GATEWAY_PRESENCE_INTERVAL_MS", LONG, 1_000L,
          "Join and leave events of a channel are gathered for this long and sent together (a"
              + " join and a leave of the same client within it cancel out); also how often a"
              + " clustered node sends its members' changes to the others. 50 to 1000."),
      new Setting("presence.maxEventsPerInterval", "GATEWAY_PRESENCE_MAX_EVENTS_PER_INTERVAL", INT,
          100, "Join and leave events sent per channel and interval at most; the rest wait for the"
              + " next intervals (none is lost, a join and leave waiting together still cancel)."),
      new Setting("presence.countsOnlyAbove", "GATEWAY_PRESENCE_COUNTS_ONLY_ABOVE", INT, 1_000,
          "A channel with more members than this sends no join or leave events, only a `counts`"
              + " event per interval in which its members changed (announced in the register ack"
              + " as `\"presence\":\"counts\"`)."),
      new Setting("presence.maxMembersPerNode", "GATEWAY_PRESENCE_MAX_MEMBERS_PER_NODE", INT,
          100_000, "Members a node holds at most, its own and (on a cluster) its copy of the other"
              + " nodes', over all channels. At the bound a register still succeeds but its"
              + " connection is not listed, and counted in `gateway_presence_refused_total`."),
      // demo services
      new Setting("demo.enabled", "GATEWAY_DEMO_ENABLED", BOOLEAN, true,
          "Run the built-in `echo` service and `clock` channel."),
      new Setting("demo.clockIntervalMs", "GATEWAY_DEMO_CLOCK_INTERVAL_MS", LONG, 5_000L,
          "How often the demo `clock` channel publishes the server time.")
  );
}
