package dev.gateway.metrics;

import dev.gateway.protocol.CloseReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The gateway's own meters. Tags are low-cardinality only: transport, close reason, error code.
 * Hot paths aggregate locally and call these once per fan-out, not once per socket.
 */
public final class GatewayMetrics {

  private final MeterRegistry registry;
  private final Map<String, AtomicLong> open = new ConcurrentHashMap<>();
  private final Map<String, Counter> opened = new ConcurrentHashMap<>();
  private final Map<String, Counter> closed = new ConcurrentHashMap<>();
  private final Map<String, Counter> received = new ConcurrentHashMap<>();
  private final Map<String, Counter> sent = new ConcurrentHashMap<>();
  private final Map<String, Counter> bytesSent = new ConcurrentHashMap<>();
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private final Map<String, Counter> clientErrors = new ConcurrentHashMap<>();
  private final Map<String, Counter> apiPublishes = new ConcurrentHashMap<>();
  private final Map<String, Counter> handshakesRejected = new ConcurrentHashMap<>();
  private final Map<String, Counter> authFailures = new ConcurrentHashMap<>();
  private final Map<String, Counter> readsPaused = new ConcurrentHashMap<>();
  private final Map<String, Counter> sockJsRefused = new ConcurrentHashMap<>();
  private final Map<String, Counter> clusterRejected = new ConcurrentHashMap<>();
  private final Map<String, Counter> sseRequests = new ConcurrentHashMap<>();
  private final List<LongSupplier> queuedBytesSources = new CopyOnWriteArrayList<>();
  private final Timer localDeliveryLatency;
  private final Timer remoteDeliveryLatency;
  private final Counter clusterMessagesReceived;
  private final Counter sockJsForwarded;
  private final Counter unencodable;
  private final Counter channelPointToPoint;
  private final Counter revocationsRefused;
  private final Counter presenceEventsSent;
  private final Counter presenceEventsCoalesced;
  private final Counter presenceRefused;
  private final Map<String, Counter> presenceDropped = new ConcurrentHashMap<>();
  private final Map<String, Counter> presenceQueries = new ConcurrentHashMap<>();
  private final Counter userBansRefused;
  private final Map<String, Counter> apiUsers = new ConcurrentHashMap<>();

  /** The endpoints of the users API ({@code /api/users/...}), the tag of its request counter. */
  public static final List<String> USER_ENDPOINTS = List.of("publish", "disconnect", "subscribe",
      "unsubscribe", "connections");

  /**
   * Transports whose connection gauges, drop and paused-read counters exist from the start (at
   * 0): a dashboard shows 0 rather than "no data", and {@code rate()} sees the first drop.
   */
  public static final List<String> TRANSPORTS = List.of("websocket", "sockjs-websocket",
      "sockjs-raw-websocket", "xhr-streaming", "xhr-polling", "eventsource", "sse");

  /** Outcomes of {@code GET /sse} requests by what their cursor asked ({@link #sseRequest}). */
  public static final List<String> SSE_OUTCOMES = List.of("fresh", "resumed", "stopped",
      "invalid_cursor");

  private static final String SSE_HELP = "GET /sse requests by cursor outcome: fresh (no cursor),"
      + " resumed (a Last-Event-ID), stopped (answered 204 after a terminal close), invalid_cursor";

  private static final String READS_PAUSED_HELP =
      "Times a connection stopped being read because maxPendingRequests were in flight";

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (String transport : TRANSPORTS) {
      openGauge(transport);
      messagesDropped(transport, 0);
      counter(readsPaused, "gateway.reads.paused", READS_PAUSED_HELP, "transport", transport);
    }
    this.unencodable = Counter.builder("gateway.messages.unencodable")
        .description("Event-bus messages on a channel whose body has no JSON form (not delivered)")
        .register(registry);
    this.channelPointToPoint = Counter.builder("gateway.channel.point.to.point")
        .description("Sends and requests that reached a channel's consumer (refused, never"
            + " delivered to subscribers): an address used as a channel and a service at once")
        .register(registry);
    this.localDeliveryLatency = latencyTimer(registry, "local");
    this.remoteDeliveryLatency = latencyTimer(registry, "remote");
    this.clusterMessagesReceived = Counter.builder("gateway.cluster.messages.received")
        .description("Broadcasts received on this node that another node published")
        .register(registry);
    Gauge.builder("gateway.outbound.queue.bytes", queuedBytesSources,
            sources -> sources.stream().mapToLong(LongSupplier::getAsLong).sum())
        .description("Bytes written to client connections and not yet flushed, all connections")
        .baseUnit("bytes")
        .register(registry);
    sockJsRefused("address_mismatch", 0);
    this.sockJsForwarded = Counter.builder("gateway.sockjs.forwarded")
        .description("SockJS requests forwarded to the node owning their session")
        .register(registry);
    // cluster security
    for (String reason : dev.gateway.cluster.ClusterSeal.REASONS) {
      counter(clusterRejected, "gateway.cluster.messages.rejected", CLUSTER_REJECTED_HELP,
          "reason", reason);
    }
    for (String outcome : SSE_OUTCOMES) {
      counter(sseRequests, "gateway.sse.requests", SSE_HELP, "outcome", outcome);
    }
    this.revocationsRefused = Counter.builder("gateway.revocations.refused")
        .description("Token revocations refused because auth.maxRevocations were held")
        .register(registry);
    // presence
    this.presenceEventsSent = Counter.builder("gateway.presence.events.sent")
        .description("Presence events (join, leave, counts) written to watchers, one per event"
            + " and watcher").register(registry);
    this.presenceEventsCoalesced = Counter.builder("gateway.presence.events.coalesced")
        .description("Join and leave events that cancelled out within an interval (never sent)")
        .register(registry);
    this.presenceRefused = Counter.builder("gateway.presence.refused")
        .description("Members not held because presence.maxMembersPerNode were held already")
        .register(registry);
    for (String reason : List.of("slow_consumer", "counts_only")) {
      presenceDropped(reason, 0);
    }
    for (String type : List.of("presence", "presence_stats")) {
      counter(presenceQueries, "gateway.presence.queries", PRESENCE_QUERIES_HELP, "type", type);
    }
    this.userBansRefused = Counter.builder("gateway.user.bans.refused")
        .description("User bans refused because users.maxBans were held")
        .register(registry);
    for (String endpoint : USER_ENDPOINTS) {
      apiUsers(endpoint, "ok", 0);
    }
  }

  private static final String PRESENCE_QUERIES_HELP = "presence and presence_stats requests"
      + " answered, by type";

  /** Presence events written to watchers ({@code n}: events times watchers). */
  public void presenceEventsSent(long n) {
    presenceEventsSent.increment(n);
  }

  /** Join and leave events that cancelled out before they were sent. */
  public void presenceEventsCoalesced(long n) {
    presenceEventsCoalesced.increment(n);
  }

  /**
   * Presence events not sent: {@code slow_consumer} (the watcher's outbound queue was full) or
   * {@code counts_only} (the channel had more members than presence.countsOnlyAbove).
   */
  public void presenceEventsDropped(String reason, long n) {
    presenceDropped(reason, n);
  }

  private void presenceDropped(String reason, long n) {
    counter(presenceDropped, "gateway.presence.events.dropped", "Presence events not sent, by"
        + " reason (slow_consumer: the watcher's queue was full; counts_only: the channel sends"
        + " counts only)", "reason", reason).increment(n);
  }

  /** A member not held at presence.maxMembersPerNode. */
  public void presenceRefused() {
    presenceRefused.increment();
  }

  /** A presence or presence_stats request answered. */
  public void presenceQuery(String type) {
    counter(presenceQueries, "gateway.presence.queries", PRESENCE_QUERIES_HELP, "type", type)
        .increment();
  }

  /** A user ban refused at the bound. */
  public void userBanRefused() {
    userBansRefused.increment();
  }

  /** A users API request answered: {@code ok}, or the error code of the answer. */
  public void apiUsers(String endpoint, String outcome) {
    apiUsers(endpoint, outcome, 1);
  }

  private void apiUsers(String endpoint, String outcome, int n) {
    apiUsers.computeIfAbsent(endpoint + '|' + outcome, k -> Counter.builder("gateway.api.users")
        .description("Users API requests, by endpoint and outcome")
        .tag("endpoint", endpoint).tag("outcome", outcome)
        .register(registry)).increment(n);
  }

  private static final String CLUSTER_REJECTED_HELP = "Messages from other nodes and grid values"
      + " dropped because their MAC did not verify, by reason";

  /** A message from another node (or a grid value) dropped: no valid MAC, or outside the window. */
  public void clusterMessageRejected(String reason) {
    counter(clusterRejected, "gateway.cluster.messages.rejected", CLUSTER_REJECTED_HELP,
        "reason", reason).increment();
  }

  /** A {@code GET /sse} request that passed the Origin check, by its cursor's outcome. */
  public void sseRequest(String outcome) {
    counter(sseRequests, "gateway.sse.requests", SSE_HELP, "outcome", outcome).increment();
  }

  /** A revocation refused at the bound. */
  public void revocationRefused() {
    revocationsRefused.increment();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Registers a gauge read from the given supplier (for example channel counts). */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  public void connectionOpened(String transport) {
    openGauge(transport).incrementAndGet();
    counter(opened, "gateway.connections.opened", "Connections accepted", "transport", transport)
        .increment();
  }

  public void connectionClosed(String transport, CloseReason reason) {
    openGauge(transport).decrementAndGet();
    closed.computeIfAbsent(transport + '|' + reason.tag(), k -> Counter
        .builder("gateway.connections.closed")
        .description("Connections ended, by transport and reason")
        .tag("transport", transport).tag("reason", reason.tag())
        .register(registry)).increment();
  }

  public void messagesReceived(String transport, long n) {
    counter(received, "gateway.messages.received", "Messages received from clients",
        "transport", transport).increment(n);
  }

  public void messagesSent(String transport, long n, long bytes) {
    counter(sent, "gateway.messages.sent", "Messages written to clients", "transport", transport)
        .increment(n);
    counter(bytesSent, "gateway.bytes.sent", "Payload bytes written to clients",
        "transport", transport).increment(bytes);
  }

  public void messagesDropped(String transport, long n) {
    counter(dropped, "gateway.messages.dropped",
        "Broadcasts not written because the connection's outbound queue was full",
        "transport", transport).increment(n);
  }

  public void clientError(String code) {
    counter(clientErrors, "gateway.client.errors", "err replies sent to clients, by code",
        "code", code).increment();
  }

  public void unencodable() {
    unencodable.increment();
  }

  /** A send or request reached a channel's consumer and was refused. */
  public void channelPointToPoint() {
    channelPointToPoint.increment();
  }

  public void authFailure(String reason) {
    counter(authFailures, "gateway.auth.failures", "Tokens refused, by reason", "reason", reason)
        .increment();
  }

  public void readPaused(String transport) {
    counter(readsPaused, "gateway.reads.paused", READS_PAUSED_HELP, "transport", transport).increment();
  }

  public void handshakeRejected(String reason) {
    counter(handshakesRejected, "gateway.handshakes.rejected",
        "Connection attempts refused before any upgrade, by reason", "reason", reason).increment();
  }

  public void apiPublish(String outcome) {
    counter(apiPublishes, "gateway.api.publish", "HTTP publish API requests, by outcome",
        "outcome", outcome).increment();
  }

  /** Adds a source of queued outbound bytes (one per event loop) to the queue-bytes gauge. */
  public void addQueuedBytesSource(LongSupplier source) {
    queuedBytesSources.add(source);
  }

  /** Publish-to-write latency of one broadcast on one event loop, by origin (this node or another). */
  public void recordDelivery(long publishedAtMicros, boolean remote) {
    long micros = Math.max(0, nowMicros() - publishedAtMicros);
    (remote ? remoteDeliveryLatency : localDeliveryLatency).record(Duration.ofNanos(micros * 1000));
  }

  /** A request for a SockJS session refused (from another client address than its owner's). */
  public void sockJsRefused(String reason) {
    sockJsRefused(reason, 1);
  }

  private void sockJsRefused(String reason, int n) {
    counter(sockJsRefused, "gateway.sockjs.refused",
        "Requests for a SockJS session refused, by reason (address_mismatch: from another"
            + " client address than the session's)", "reason", reason).increment(n);
  }

  public void sockJsForwarded() {
    sockJsForwarded.increment();
  }

  public void clusterMessageReceived() {
    clusterMessagesReceived.increment();
  }

  private static Timer latencyTimer(MeterRegistry registry, String origin) {
    return Timer.builder("gateway.delivery.latency")
        .description("Time from publish (client, HTTP API or clock) to the last local socket write"
            + " of that message on this node's event loop; origin=remote for cross-node traffic")
        .tag("origin", origin)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /** Wall-clock time in microseconds since the epoch (comparable across nodes). */
  public static long nowMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  private AtomicLong openGauge(String transport) {
    return open.computeIfAbsent(transport, t -> {
      AtomicLong v = new AtomicLong();
      Gauge.builder("gateway.connections", v, AtomicLong::get)
          .description("Open client connections, by transport")
          .tag("transport", t)
          .register(registry);
      return v;
    });
  }

  private Counter counter(Map<String, Counter> cache, String name, String description,
                          String tag, String value) {
    return cache.computeIfAbsent(value, v -> Counter.builder(name).description(description)
        .tag(tag, v).register(registry));
  }
}
