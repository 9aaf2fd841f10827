package dev.gateway.support.chaos;

import dev.gateway.support.chaos.ClientLink.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A client as an application would write it against the gateway's history contract: registered
 * to a few history channels, it keeps each channel's position in a {@link ChannelLedger}; when
 * its connection ends (a close, a reset, or silence: no frame, not even a heartbeat, for
 * {@link #SILENCE_MS}) it reconnects to another node and registers again with
 * {@code gateway.since}/{@code gateway.epoch} of the last publication it saw. Each
 * {@code recovered:false} is judged against the channel's history right away.
 *
 * <p>One thread per client ({@link #start}), blocking on its link; {@link #stall} makes it stop
 * reading for a while, as a slow consumer does.
 */
public final class RecoveringClient implements Runnable {

  /** A connection with no frame for this long is taken for lost (its node frozen, say). */
  public static final long SILENCE_MS = 2_500;
  static final long RETRY_MS = 200;

  /** The nodes a client may connect to, by index; a node that is down is skipped. */
  public interface Nodes {
    int size();

    int port(int index);

    boolean up(int index);
  }

  /** One connection's end: the node's index, how it ended, and when. */
  public record Disconnect(int node, String end, Integer closeCode, long atNanos) {
  }

  public final String name;
  public final Transport transport;
  private final Vertx vertx;
  private final Nodes nodes;
  private final HistoryApi api;
  private final Map<String, ChannelLedger> ledgers = new LinkedHashMap<>();
  private final List<Disconnect> disconnects = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private volatile boolean stopped;
  private volatile long stallMs;
  private volatile int node;
  private volatile int connections;
  private Thread thread;
  private int acks;

  public RecoveringClient(String name, Transport transport, Vertx vertx, Nodes nodes,
                          HistoryApi api, int firstNode, List<String> channels) {
    this.name = name;
    this.transport = transport;
    this.vertx = vertx;
    this.nodes = nodes;
    this.api = api;
    this.node = firstNode;
    for (String ch : channels) {
      ledgers.put(ch, new ChannelLedger(name, ch));
    }
  }

  public RecoveringClient start() {
    thread = new Thread(this, "client-" + name);
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Stops reading for {@code millis} at its next turn (WebSocket clients only). */
  public void stall(long millis) {
    stallMs = millis;
  }

  public void stop() {
    stopped = true;
  }

  public void join(long millis) throws InterruptedException {
    thread.join(millis);
  }

  @Override
  public void run() {
    int target = node;
    boolean first = true;
    while (!stopped) {
      ClientLink link = connect(target, first);
      if (link == null) {
        return;
      }
      first = false;
      register(link);
      String end = follow(link);
      link.abandon();
      synchronized (this) {
        disconnects.add(new Disconnect(node, end, link.ended() ? link.closeCode() : null,
            System.nanoTime()));
      }
      // reconnect to ANOTHER node, one of the others at random (so a node's clients spread)
      target = node + 1 + java.util.concurrent.ThreadLocalRandom.current().nextInt(
          Math.max(1, nodes.size() - 1));
    }
  }

  /** Connects to the first node that is up from {@code from} on (never the current one but the first time). */
  private ClientLink connect(int from, boolean first) {
    int n = nodes.size();
    for (int attempt = 0; !stopped; attempt++) {
      int i = Math.floorMod(from + attempt, n);
      if (!first && i == node && n > 1 || !nodes.up(i)) {
        if (attempt % n == n - 1) {
          pause(RETRY_MS);
        }
        continue;
      }
      try {
        ClientLink link = ClientLink.open(transport, vertx, nodes.port(i));
        node = i;
        connections++;
        return link;
      } catch (RuntimeException e) {
        pause(RETRY_MS);
      }
    }
    return null;
  }

  private void register(ClientLink link) {
    List<JsonObject> registers = new ArrayList<>();
    for (ChannelLedger l : ledgers.values()) {
      JsonObject r = new JsonObject().put("type", "register").put("address", l.channel)
          .put("ack", name + "-" + (++acks));
      JsonObject position = l.registering();
      if (position != null) {
        r.put("headers", position);
      }
      registers.add(r);
    }
    link.send(registers.toArray(new JsonObject[0]));
  }

  /** Handles what arrives until the link ends or goes silent; how it ended. */
  private String follow(ClientLink link) {
    long quietFloor = System.nanoTime();
    boolean stalled = false;
    while (!stopped) {
      if (stallMs > 0) {
        long ms = stallMs;
        stallMs = 0;
        stalled = true;
        link.pauseReading();
        pause(ms);
        link.resumeReading();
        quietFloor = System.nanoTime();
      }
      JsonObject m = link.next(100);
      if (m != null) {
        if (!handle(m, stalled)) {
          return "gap after slow-consumer drops: recovering";
        }
        continue;
      }
      if (link.ended()) {
        return link.end();
      }
      long quiet = System.nanoTime() - Math.max(quietFloor, link.lastFrameNanos());
      if (quiet > TimeUnit.MILLISECONDS.toNanos(SILENCE_MS)) {
        return "silent for " + TimeUnit.NANOSECONDS.toMillis(quiet) + " ms";
      }
    }
    return "stopped";
  }

  /** Handles one message; false when a slow-consumer gap means the client must recover. */
  private boolean handle(JsonObject m, boolean dropsExpected) {
    String type = m.getString("type");
    ChannelLedger l = ledgers.get(m.getString("address", ""));
    if ("ack".equals(type) && l != null) {
      ChannelLedger.NotRecovered n = l.acked(m);
      if (n != null) {
        ChannelLedger.justify(n, api.historyNow(nodes.port(node), l.channel));
      }
    } else if ("rec".equals(type) && l != null) {
      JsonObject h = m.getJsonObject("headers", new JsonObject());
      return l.rec(Long.parseLong(h.getString("gateway.offset", "-1")),
          h.getString("gateway.epoch", ""), m.getJsonObject("body", new JsonObject()).getString("id"),
          dropsExpected);
    } else if ("err".equals(type)) {
      synchronized (this) {
        errors.add(m.encode());
      }
    }
    return true;
  }

  public ChannelLedger ledger(String channel) {
    return ledgers.get(channel);
  }

  public List<ChannelLedger> ledgers() {
    return List.copyOf(ledgers.values());
  }

  public synchronized List<Disconnect> disconnects() {
    return List.copyOf(disconnects);
  }

  public synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  /** The index of the node it is (or was last) connected to. */
  public int node() {
    return node;
  }

  public int connections() {
    return connections;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
