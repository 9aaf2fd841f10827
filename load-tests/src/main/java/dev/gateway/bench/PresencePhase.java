package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The presence benchmark's measurement, on a local three-node cluster: one channel filled to
 * each of {@link #SIZES} members (spread over the nodes round-robin), and at each size
 *
 * <ul>
 *   <li>bytes held per member: the nodes' resident memory (sum) added per member since the
 *       previous size (a member is a connection, its registration and a copy on every node);</li>
 *   <li>at {@link #JOINS_PER_SECOND} joins/s (and as many leaves: {@link #CHURNERS} connections
 *       each register and unregister every {@code 2 x CHURNERS / 200} s) with {@link #WATCHERS}
 *       join/leave watchers: server CPU (all nodes) per join and presence events sent per join
 *       (each join counted with its leave);</li>
 *   <li>with the same churn going on, the latency of {@code presence} pages of 1,000 members
 *       asked on node 1, one at a time, {@link #PAGES_PER_SECOND} a second, walking the list
 *       with the cursors.</li>
 * </ul>
 */
final class PresencePhase {

  static final String CHANNEL = "bench.presence";
  static final int[] SIZES = {1_000, 5_000, 10_000};
  static final int WATCHERS = 10;
  static final int CHURNERS = 400;
  static final double JOINS_PER_SECOND = 100;
  /** Churn steps: every churner registers and unregisters this many times per window. */
  static final int CYCLES = 3;
  static final int PAGE = 1_000;
  static final double PAGES_PER_SECOND = 20;
  static final long INTERVAL_MS = 1_000;
  static final long IDLE_MS = 6_000;

  /** One size of one repetition. */
  record Point(int rep, int members, String mode, int joins, long watcherEvents,
               double eventsSent, Proc.Usage idle, Proc.Usage churn, Histogram pages,
               int pageMembers, double rssKbPerMember, String load) {

    /** Server CPU of the churn window per join. */
    double cpuPerJoin() {
      return churn.serverMicros() / (double) joins;
    }

    /** The same less what the nodes use when idle (pings, heartbeats) over as long a time. */
    double netCpuPerJoin() {
      return (churn.serverMicros() - idle.serverCores() * churn.seconds() * 1e6) / joins;
    }

    double eventsPerJoin() {
      return eventsSent / joins;
    }
  }

  private final LoadGenerator gen;

  PresencePhase(LoadGenerator gen) {
    this.gen = gen;
  }

  List<Point> run(List<ServerProcess> nodes, int rep) throws Exception {
    List<PresenceClient> all = new ArrayList<>();
    List<Session> members = new ArrayList<>();
    List<Point> points = new ArrayList<>();
    try {
      List<PresenceClient> watchers = open(nodes, WATCHERS, all);
      for (PresenceClient w : watchers) {
        await(w.register(CHANNEL, true), "watcher register");
      }
      List<PresenceClient> churners = open(nodes, CHURNERS, all);
      List<PresenceClient> askers = open(nodes, nodes.size(), all);
      long rss = rss(nodes);
      int held = WATCHERS;
      for (int size : SIZES) {
        int add = size - held;
        fill(nodes, add, members);
        for (PresenceClient a : askers) {
          awaitClients(a, size, 60);
        }
        Thread.sleep(2_000);
        long now = rss(nodes);
        double perMember = (now - rss) / (double) add;
        rss = now;
        held = size;
        JsonObject ack = await(churners.get(0).register(CHANNEL, true), "mode probe");
        await(churners.get(0).unregister(CHANNEL), "mode probe");
        Thread.sleep(2 * INTERVAL_MS);
        String mode = ack.getString("presence");
        // window 0: idle, what the nodes use with nothing to do (pings, heartbeats)
        Proc.Window idleWindow = new Proc.Window(nodes.stream().mapToLong(ServerProcess::pid)
            .toArray());
        Thread.sleep(IDLE_MS);
        Proc.Usage idle = idleWindow.end();
        // window 1: churn only
        double sent0 = eventsSent(nodes);
        long events0 = events(watchers);
        Proc.Window w = new Proc.Window(nodes.stream().mapToLong(ServerProcess::pid).toArray());
        int joins = churn(churners, null, null);
        Thread.sleep(2 * INTERVAL_MS); // the last interval's events go out
        Proc.Usage usage = w.end();
        double sent = eventsSent(nodes) - sent0;
        long received = events(watchers) - events0;
        // window 2: churn and pages
        Histogram pages = new Histogram(60_000_000L, 3);
        int[] pageMembers = {0};
        churn(churners, askers.get(0), r -> {
          pages.recordValue(Math.min(r[0], 60_000_000L));
          pageMembers[0] = Math.max(pageMembers[0], (int) r[1]);
        });
        Point p = new Point(rep, size, mode, joins, received, sent, idle, usage, pages,
            pageMembers[0], perMember, Proc.loadAverage());
        points.add(p);
        Report.progress("presence rep %d, %,d members (%s): %.1f µs server CPU per join (%.1f"
                + " less idle), %.2f"
                + " events sent per join (watchers received %,d), page p50 %.1f / p99 %.1f ms,"
                + " %.1f kB RSS per member; other load %.2f cores, load average %s", rep, size,
            mode, p.cpuPerJoin(), p.netCpuPerJoin(), p.eventsPerJoin(), received, pages.getValueAtPercentile(50)
                / 1000.0, pages.getValueAtPercentile(99) / 1000.0, perMember,
            usage.otherCores(), p.load());
      }
      return points;
    } finally {
      gen.closeAll(members, 20_000);
      List<Future<Void>> closing = new ArrayList<>();
      all.forEach(c -> closing.add(c.close()));
      Future.join(closing).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      Thread.sleep(3 * INTERVAL_MS);
    }
  }

  /**
   * {@link #CYCLES} register/unregister cycles of every churner, at {@link #JOINS_PER_SECOND}
   * joins/s and as many leaves; with an asker, pages are asked meanwhile (latency in µs and
   * members of the page to {@code sample}). Returns the joins made.
   */
  private int churn(List<PresenceClient> churners, PresenceClient asker,
                    java.util.function.Consumer<long[]> sample) throws Exception {
    int ops = 2 * CYCLES * churners.size();
    long periodNanos = (long) (1e9 / (2 * JOINS_PER_SECOND));
    long pageNanos = (long) (1e9 / PAGES_PER_SECOND);
    long t0 = System.nanoTime();
    long nextPage = t0;
    String cursor = null;
    for (int k = 0; k < ops; k++) {
      long due = t0 + k * periodNanos;
      while (System.nanoTime() < due) {
        if (asker != null && System.nanoTime() >= nextPage) {
          long start = System.nanoTime();
          JsonObject page = await(asker.page(CHANNEL, PAGE, cursor), "presence page");
          long micros = (System.nanoTime() - start) / 1_000;
          sample.accept(new long[] {micros, page.getJsonArray("members").size()});
          cursor = page.getString("cursor");
          nextPage += pageNanos;
        } else {
          Thread.sleep(0, 200_000);
        }
      }
      PresenceClient c = churners.get(k % churners.size());
      if ((k / churners.size()) % 2 == 0) {
        c.register(CHANNEL, false);
      } else {
        c.unregister(CHANNEL);
      }
    }
    return ops / 2;
  }

  /** Opens and registers {@code n} more members, round-robin over the nodes. */
  private void fill(List<ServerProcess> nodes, int n, List<Session> members) throws Exception {
    Deliveries d = new Deliveries();
    for (int i = 0; i < nodes.size(); i++) {
      int k = n / nodes.size() + (i < n % nodes.size() ? 1 : 0);
      LoadGenerator.Opened o = gen.open(Target.GATEWAY, nodes.get(i).port, k, 64, d, 120_000);
      members.addAll(o.sessions());
      if (o.failed() > 0) {
        throw new IllegalStateException(o.failed() + " of " + k + " members failed to connect");
      }
      int ok = gen.subscribe(o.sessions(), CHANNEL, 64, 120_000);
      if (ok < k) {
        throw new IllegalStateException((k - ok) + " of " + k + " members not registered");
      }
    }
  }

  private List<PresenceClient> open(List<ServerProcess> nodes, int n, List<PresenceClient> all)
      throws Exception {
    List<PresenceClient> opened = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      PresenceClient c = new PresenceClient(gen.await(gen.connect(nodes.get(i % nodes.size())
          .port, "/ws", i), 20_000));
      opened.add(c);
      all.add(c);
    }
    return opened;
  }

  private static void awaitClients(PresenceClient asker, int n, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int clients = -1;
    while (System.nanoTime() < deadline) {
      clients = await(asker.stats(CHANNEL), "presence_stats").getInteger("clients", -1);
      if (clients == n) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("a node counts " + clients + " members, not " + n);
  }

  private static <T> T await(Future<T> f, String what) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(what + ": no answer in 30 s");
    }
  }

  private static long events(List<PresenceClient> watchers) {
    return watchers.stream().mapToLong(PresenceClient::events).sum();
  }

  private static long rss(List<ServerProcess> nodes) {
    return nodes.stream().mapToLong(ServerProcess::rssKb).sum();
  }

  /** {@code gateway_presence_events_sent_total}, summed over the nodes. */
  static double eventsSent(List<ServerProcess> nodes) {
    double sum = 0;
    for (ServerProcess n : nodes) {
      String metrics = n.get("/metrics");
      if (metrics == null) {
        throw new IllegalStateException(n.label + " does not answer /metrics");
      }
      for (String line : metrics.split("\n")) {
        if (line.startsWith("gateway_presence_events_sent_total")) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return sum;
  }
}
