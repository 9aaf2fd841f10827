package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/** The benchmark's phases. Each is bounded in time and count and leaves no connection open. */
final class Phases {

  static final String CHANNEL = "bench.fanout";
  private static final int IN_FLIGHT = 256;

  private final LoadGenerator gen;
  private final BenchOptions opts;
  private final Results results;

  Phases(LoadGenerator gen, BenchOptions opts, Results results) {
    this.gen = gen;
    this.opts = opts;
    this.results = results;
  }

  /**
   * Opens {@code connections} idle connections twice. The first pass, on the freshly started
   * server, gives the resident memory per idle connection (a server that had connections before
   * reuses the memory they left, which would hide the cost) and the cold connect rate; the
   * second pass, after the first closed, gives the connect rate once the JIT has compiled the
   * handshake path.
   */
  void connect(ServerProcess server) throws Exception {
    int n = opts.connections;
    Thread.sleep(1_000);
    long before = server.rssKb();
    Proc.Window window = new Proc.Window(server.pid());
    LoadGenerator.Opened cold = gen.open(server.target, server.port, n, IN_FLIGHT,
        new Deliveries(), 120_000);
    Proc.Usage coldUsage = window.end();
    Thread.sleep(opts.settleMs);
    long after = server.rssKb();
    gen.closeAll(cold.sessions(), 30_000);
    Thread.sleep(3_000);
    window = new Proc.Window(server.pid());
    LoadGenerator.Opened warm = gen.open(server.target, server.port, n, IN_FLIGHT,
        new Deliveries(), 120_000);
    Proc.Usage warmUsage = window.end();
    gen.closeAll(warm.sessions(), 30_000);
    Results.Connect r = new Results.Connect(server.target.label, n, cold.sessions().size(),
        cold.failed() + warm.failed(), cold.seconds(), warm.sessions().size(), warm.seconds(),
        before, after, coldUsage.serverMicros(), warmUsage.serverMicros(),
        Math.max(coldUsage.otherCores(), warmUsage.otherCores()));
    results.connects.add(r);
    Report.progress("connect %-9s cold %,d in %.2f s = %,.0f conn/s (server %.0f µs/conn), warm"
            + " %,d in %.2f s = %,.0f conn/s (server %.0f µs/conn); RSS %,d -> %,d kB = %.1f"
            + " kB/conn (others up to %.2f cores)", r.target(), r.opened(), r.seconds(),
        r.perSecond(), r.serverMicrosPerConnection(), r.warmOpened(), r.warmSeconds(),
        r.warmPerSecond(), r.warmServerMicrosPerConnection(), before, after,
        r.kbPerConnection(), r.otherCores());
    Thread.sleep(2_000);
  }

  /** N subscribers, rising publish rate, until p99 >= 100 ms or a message is lost. */
  void saturation(ServerProcess server, boolean sockJs) throws Exception {
    String transport = sockJs ? "xhr-streaming" : "websocket";
    Fanout f = sockJs ? sockJsFanout(server, opts.saturationSubscribers)
        : webSocketFanout(server, opts.saturationSubscribers);
    try {
      List<Results.Step> steps = new ArrayList<>();
      double[] rates = sockJs ? opts.sockJsRates : opts.saturationRates;
      warmUp(f, rates[0] / f.n);
      for (double deliveries : rates) {
        Results.Step s = step(server, f, transport, deliveries / f.n, opts.stepSeconds, null,
            opts.drainMs);
        Report.progress("%s", Report.stepLine("saturation", s));
        if (!s.sustainable()) {
          // the machine is shared: a failing step gets one more try before the ramp stops
          Thread.sleep(2_000);
          Results.Step again = step(server, f, transport, deliveries / f.n, opts.stepSeconds,
              null, opts.drainMs);
          Report.progress("%s (retry)", Report.stepLine("saturation", again));
          steps.add(s);
          s = again;
          if (!again.sustainable()) {
            steps.add(again);
            break;
          }
        }
        steps.add(s);
      }
      results.ramps.add(new Results.Ramp(server.target.label, transport, steps));
    } finally {
      f.close();
    }
  }

  /** N subscribers at a fixed, sustainable rate: latency percentiles and CPU per delivery. */
  void latency(ServerProcess server) throws Exception {
    Fanout f = webSocketFanout(server, opts.latencySubscribers);
    try {
      double rate = opts.latencyDeliveries / f.n;
      warmUp(f, rate);
      Results.Step s = step(server, f, "websocket", rate, opts.latencySeconds, null, opts.drainMs);
      results.latency.add(s);
      Report.progress("%s", Report.stepLine("latency", s));
    } finally {
      f.close();
    }
  }

  /** Offers more than the machine can deliver: resident memory and the server's drop count. */
  void overload(ServerProcess server) throws Exception {
    Fanout f = webSocketFanout(server, opts.latencySubscribers);
    try {
      long start = server.rssKb();
      AtomicLong max = new AtomicLong(start);
      Results.Step s = step(server, f, "websocket", opts.overloadDeliveries / f.n,
          opts.overloadSeconds, () -> max.accumulateAndGet(server.rssKb(), Math::max),
          opts.overloadDrainMs);
      long end = server.rssKb();
      max.accumulateAndGet(end, Math::max);
      results.overloads.add(new Results.Overload(s, start, max.get(), end));
      Report.progress("%s RSS %,d -> max %,d -> %,d kB", Report.stepLine("overload", s), start,
          max.get(), end);
    } finally {
      f.close();
    }
  }

  /** Subscribers and publishers of one fan-out run. */
  private record Fanout(Target target, int n, Deliveries deliveries, Publisher publisher,
                        Runnable closer) {
    void close() {
      closer.run();
    }
  }

  private Fanout webSocketFanout(ServerProcess server, int n) throws Exception {
    Deliveries d = new Deliveries();
    LoadGenerator.Opened subs = gen.open(server.target, server.port, n, IN_FLIGHT, d, 120_000);
    LoadGenerator.Opened pubs = gen.open(server.target, server.port, opts.publishers, 8, d, 30_000);
    Runnable closer = () -> closeQuietly(subs.sessions(), pubs.sessions());
    int ok = gen.subscribe(subs.sessions(), CHANNEL, IN_FLIGHT, 120_000);
    if (ok < n || pubs.sessions().size() < opts.publishers) {
      closer.run();
      throw new IllegalStateException(server.target.label + ": only " + ok + "/" + n
          + " subscribed, " + pubs.sessions().size() + " publishers");
    }
    return new Fanout(server.target, n, d,
        new Publisher(server.target, pubs.sessions(), CHANNEL), closer);
  }

  private Fanout sockJsFanout(ServerProcess server, int n) throws Exception {
    Deliveries d = new Deliveries();
    HttpClient http = gen.vertx().createHttpClient(new HttpClientOptions().setKeepAlive(false)
        .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(n * 2 + 100)
        .setMaxWaitQueueSize(-1));
    List<SockJsSubscriber> subs = new ArrayList<>();
    List<Future<Void>> started = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SockJsSubscriber s = new SockJsSubscriber(http, server.port, d, CHANNEL);
      subs.add(s);
      started.add(s.start());
    }
    LoadGenerator.Opened pubs = gen.open(server.target, server.port, opts.publishers, 8, d, 30_000);
    Runnable closer = () -> {
      subs.forEach(SockJsSubscriber::close);
      closeQuietly(List.of(), pubs.sessions());
      try {
        http.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // closing anyway
      }
    };
    try {
      gen.await(Future.join(started), 120_000);
    } catch (Exception e) {
      closer.run();
      throw new IllegalStateException("sockjs: subscribers did not all register: " + e);
    }
    return new Fanout(server.target, n, d,
        new Publisher(server.target, pubs.sessions(), CHANNEL), closer);
  }

  private void warmUp(Fanout f, double rate) throws InterruptedException {
    long published = f.publisher().run(rate, opts.warmupSeconds);
    drain(f.deliveries(), f.deliveries().received(), published * f.n(), 3_000);
    f.deliveries().takeHistogram();
  }

  /**
   * Publishes at {@code rate} for {@code seconds}, waits until every delivery arrived (or the
   * drain time passed), and accounts server CPU over publish + drain.
   */
  private Results.Step step(ServerProcess server, Fanout f, String transport, double rate,
                            double seconds, Runnable sampler, long drainMs)
      throws InterruptedException {
    Deliveries d = f.deliveries();
    long received0 = d.received();
    d.takeHistogram();
    long drops0 = server.drops();
    Proc.Window window = new Proc.Window(server.pid());
    Thread sampling = null;
    if (sampler != null) {
      sampling = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          sampler.run();
          try {
            Thread.sleep(250);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-rss-sampler");
      sampling.setDaemon(true);
      sampling.start();
    }
    long published = f.publisher().run(rate, seconds);
    long backlog = published * f.n() - (d.received() - received0);
    long queued = server.queuedBytes();
    drain(d, received0, published * f.n(), drainMs);
    Proc.Usage usage = window.end();
    if (sampling != null) {
      sampling.interrupt();
      sampling.join(1_000);
    }
    long drops1 = server.drops();
    long drops = drops0 < 0 || drops1 < 0 ? -1 : drops1 - drops0;
    return new Results.Step(server.target.label, transport, f.n(), rate, seconds, published,
        d.received() - received0, drops, d.takeHistogram(), usage, backlog, queued);
  }

  private static void drain(Deliveries d, long received0, long expected, long maxMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
    while (d.received() - received0 < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  private void closeQuietly(List<Session> a, List<Session> b) {
    try {
      List<Session> all = new ArrayList<>(a);
      all.addAll(b);
      gen.closeAll(all, 30_000);
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static double[] rates(IntFunction<Double> f, int n) {
    double[] r = new double[n];
    for (int i = 0; i < n; i++) {
      r[i] = f.apply(i);
    }
    return r;
  }
}
