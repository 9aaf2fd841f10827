package dev.gateway.load;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Every parameter of the simulations, read once from system properties ({@code -Dgateway.*}).
 * Defaults are modest (a laptop or this 2-core box); each simulation may supply its own defaults,
 * which a system property still overrides. {@link #describe()} prints what a run used.
 */
public final class LoadConfig {

  /** How publishers publish: over their WebSocket ({@code publish} frame) or the HTTP API. */
  public enum PublishMode { WS, HTTP }

  private final Map<String, String> defaults;
  private final Map<String, String> overrides;
  private final Map<String, String> used = new LinkedHashMap<>();

  /** Gateway base URLs (http or https); users are spread over them round robin. */
  public final List<String> urls;
  /** Subscribers (fan-out), or all users (chat, churn). */
  public final int users;
  /** Channels of the fan-out (subscriber i listens to channel i mod channels). */
  public final int channels;
  /** Publishers of the fan-out (publisher j publishes to channel j mod channels). */
  public final int publishers;
  /** Messages per second per publisher (keep it under the gateway's 100/s per connection). */
  public final double rate;
  /** Publishing (or chatting, or churning) time. */
  public final Duration duration;
  /** Time over which users arrive. */
  public final Duration ramp;
  public final PublishMode publishMode;
  /** Bearer key for the HTTP publish API (GATEWAY_API_KEY on the gateway); empty: none. */
  public final String apiKey;
  /** Padding added to every published body, in characters. */
  public final int payloadBytes;
  /** How often a subscriber checks what it received and reports it (one echo / xhr_send). */
  public final Duration verifyEvery;
  /** A delivery later than this (publish to arrival, by the body's timestamp) is a failure. */
  public final long maxLatencyMs;
  /** Bound of the p99 assertions on messages (publish delivered, verify round trips, xhr_send). */
  public final long p99Ms;
  /** Bound of the p99 assertions on connection set-up (connect, subscribe ack, SockJS open). */
  public final long setupP99Ms;
  /**
   * Reuse HTTP connections for SockJS polls and streams. Off by default: the gateway (vertx-web
   * 5.0 SockJS) closes the TCP connection after each poll response without saying so, and a
   * client that reuses it races that close (sessions lost, {@code c[2010]}); on shows it.
   */
  public final boolean sockJsKeepAlive;
  /** Bound of the failed-requests assertion, percent of all requests. */
  public final double maxFailedPercent;
  /** Delivery verdicts (verify, poll, stream requests) allowed to fail; 0: every message must arrive. */
  public final int maxDeliveryFailures;
  /**
   * Connection set-up requests (connect, subscribe ack, SockJS open, xhr_send subscribe,
   * eventsource open) allowed to fail, each; 0: a user that never got subscribed fails the run
   * (its deliveries could not be checked).
   */
  public final int maxSetupFailures;
  /** Time after the last publish within which every delivery must have arrived. */
  public final Duration grace;
  /** Timeout of every await (ack, echo, own delivery, SockJS open). */
  public final Duration timeout;
  /** Chat: users per room. */
  public final int roomSize;
  /** Chat: mean pause between two messages of one user (exponential). */
  public final Duration think;
  /** Churn: pause between two connect-subscribe-receive-close cycles of one user. */
  public final Duration churnPause;
  /** Gatling's buffer of inbound messages not matched by a check, per connection. */
  public final int bufferSize;
  /** xhr-streaming: size of the padding messages that end the last open streams. */
  public final int flushBytes;
  /** Origin header to send (empty: none, like a non-browser client). */
  public final String origin;
  /** Unique part of the channel names, so runs against a shared deployment never mix. */
  public final String runId;

  public LoadConfig(Map<String, String> simulationDefaults) {
    this(simulationDefaults, Map.of());
  }

  /** {@code overrides} win over system properties (the smoke points at the node it started). */
  public LoadConfig(Map<String, String> simulationDefaults, Map<String, String> overrides) {
    this.defaults = simulationDefaults;
    this.overrides = overrides;
    urls = Arrays.stream(str("gateway.url", "http://127.0.0.1:8080").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).map(LoadConfig::stripSlash).toList();
    users = integer("gateway.users", 200);
    channels = integer("gateway.channels", 10);
    publishers = integer("gateway.publishers", 10);
    rate = dbl("gateway.rate", 10);
    duration = Duration.ofSeconds(integer("gateway.durationSec", 60));
    ramp = Duration.ofSeconds(integer("gateway.rampSec", 10));
    publishMode = PublishMode.valueOf(str("gateway.publishMode", "ws").toUpperCase(Locale.ROOT));
    apiKey = str("gateway.apiKey", "");
    payloadBytes = integer("gateway.payloadBytes", 100);
    verifyEvery = Duration.ofMillis(integer("gateway.verifyEveryMs", 2000));
    maxLatencyMs = integer("gateway.maxLatencyMs", 2000);
    p99Ms = integer("gateway.p99Ms", 1000);
    setupP99Ms = integer("gateway.setupP99Ms", 2000);
    sockJsKeepAlive = Boolean.parseBoolean(str("gateway.sockjsKeepAlive", "false"));
    maxFailedPercent = dbl("gateway.maxFailedPercent", 1.0);
    maxDeliveryFailures = integer("gateway.maxDeliveryFailures", 0);
    maxSetupFailures = integer("gateway.maxSetupFailures", 0);
    grace = Duration.ofSeconds(integer("gateway.graceSec", 15));
    timeout = Duration.ofMillis(integer("gateway.timeoutMs", 10_000));
    roomSize = integer("gateway.roomSize", 8);
    think = Duration.ofMillis(integer("gateway.thinkMs", 2000));
    churnPause = Duration.ofMillis(integer("gateway.churnPauseMs", 200));
    bufferSize = integer("gateway.bufferSize", 50_000);
    flushBytes = integer("gateway.flushBytes", 48 * 1024);
    origin = str("gateway.origin", "");
    runId = str("gateway.runId", UUID.randomUUID().toString().substring(0, 8));
    if (urls.isEmpty() || channels < 1 || users < 0 || publishers < 0 || rate <= 0) {
      throw new IllegalArgumentException("bad load parameters: " + describe());
    }
  }

  /** WebSocket base URLs matching {@link #urls}. */
  public List<String> wsUrls() {
    return urls.stream().map(u -> u.replaceFirst("^http", "ws")).toList();
  }

  /** Messages each publisher sends: rate x duration. */
  public int messagesPerPublisher() {
    return (int) Math.max(1, Math.round(rate * duration.toMillis() / 1000.0));
  }

  /** Publishers of channel {@code c}: j with j mod channels == c. */
  public int publishersOf(int channel) {
    int n = 0;
    for (int j = 0; j < publishers; j++) {
      if (j % channels == channel) {
        n++;
      }
    }
    return n;
  }

  public Duration publishInterval() {
    return Duration.ofNanos((long) (1_000_000_000L / rate));
  }

  public String describe() {
    return used.toString();
  }

  private String str(String key, String fallback) {
    String v = overrides.containsKey(key) ? overrides.get(key)
        : System.getProperty(key, defaults.getOrDefault(key, fallback));
    used.put(key, v);
    return v;
  }

  private int integer(String key, int fallback) {
    return Integer.parseInt(str(key, Integer.toString(fallback)).trim());
  }

  private double dbl(String key, double fallback) {
    return Double.parseDouble(str(key, Double.toString(fallback)).trim());
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
