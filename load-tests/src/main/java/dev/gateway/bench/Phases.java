package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The benchmark's phases. Each is bounded in time and count and leaves no connection open. */
final class Phases {

  static final String CHANNEL = "bench.fanout";
  static final int IN_FLIGHT = 256;
  /** SockJS sessions opening at a time (each is a streaming request plus, for the gateway, a send). */
  private static final int IN_FLIGHT_SOCKJS = 64;

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

  /** N WebSocket subscribers, rising publish rate, until p99 >= 100 ms or a message is lost. */
  void saturation(ServerProcess server) throws Exception {
    Fanout f = webSocketFanout(server, opts.saturationSubscribers);
    try {
      warmUp(f, opts.saturationRates[0] / f.n);
      results.ramps.add(ramp(server, f, "websocket", opts.saturationRates));
    } finally {
      f.close();
    }
  }

  /**
   * One repetition of a SockJS phase on N sessions of one streaming transport: server CPU per
   * delivery at a fixed rate ({@code sockJsCpuDeliveries}), then the saturation ramp.
   */
  void sockJs(ServerProcess server, SockJsSession.Kind kind) throws Exception {
    Fanout f = sockJsFanout(server, opts.saturationSubscribers, kind);
    try {
      double rate = opts.sockJsCpuDeliveries / f.n;
      warmUp(f, rate, opts.sockJsWarmupSeconds);
      Results.Step cpu = step(server, f, kind.label, rate, opts.latencySeconds, null, opts.drainMs);
      results.sockJsCpu.add(cpu);
      Report.progress("%s", Report.stepLine("cpu", cpu));
      results.ramps.add(ramp(server, f, kind.label, opts.sockJsRates));
    } finally {
      f.close();
    }
  }

  /** Rising rate; a failing step gets one more try (the machine is shared) before the ramp stops. */
  private Results.Ramp ramp(ServerProcess server, Fanout f, String transport, double[] rates)
      throws InterruptedException {
    return ramp(List.of(server), server.target.label, f, transport, rates);
  }

  /** The ramp over one server or the nodes of a cluster ({@code label} names the target). */
  Results.Ramp ramp(List<ServerProcess> servers, String label, Fanout f, String transport,
                    double[] rates) throws InterruptedException {
    List<Results.Step> steps = new ArrayList<>();
    for (double deliveries : rates) {
      Results.Step s = step(servers, label, f, transport, deliveries / f.n, opts.stepSeconds,
          null, opts.drainMs);
      Report.progress("%s", Report.stepLine("saturation", s));
      if (!s.sustainable()) {
        Thread.sleep(2_000);
        Results.Step again = step(servers, label, f, transport, deliveries / f.n,
            opts.stepSeconds, null, opts.drainMs);
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
    return new Results.Ramp(label, transport, steps);
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
  record Fanout(Target target, int n, Deliveries deliveries, Publisher publisher,
                        Runnable closer) {
    void close() {
      closer.run();
    }
  }

  private Fanout webSocketFanout(ServerProcess server, int n) throws Exception {
    return webSocketFanout(server, n, CHANNEL);
  }

  /** N subscribers to {@code channel} and the publisher connections, on one server. */
  Fanout webSocketFanout(ServerProcess server, int n, String channel) throws Exception {
    Deliveries d = new Deliveries();
    LoadGenerator.Opened subs = gen.open(server.target, server.port, n, IN_FLIGHT, d, 120_000);
    LoadGenerator.Opened pubs = gen.open(server.target, server.port, opts.publishers, 8, d, 30_000);
    Runnable closer = () -> closeQuietly(subs.sessions(), pubs.sessions());
    int ok = gen.subscribe(subs.sessions(), channel, IN_FLIGHT, 120_000);
    if (ok < n || pubs.sessions().size() < opts.publishers) {
      closer.run();
      throw new IllegalStateException(server.target.label + ": only " + ok + "/" + n
          + " subscribed, " + pubs.sessions().size() + " publishers");
    }
    return new Fanout(server.target, n, d,
        new Publisher(server.target, pubs.sessions(), channel), closer);
  }

  /**
   * N SockJS subscriber sessions and the publisher sessions (sending over {@code xhr_send}), all
   * on one streaming transport; the subscribers' requests are spread over the source addresses,
   * at most {@code IN_FLIGHT_SOCKJS} sessions opening at a time.
   */
  private Fanout sockJsFanout(ServerProcess server, int n, SockJsSession.Kind kind)
      throws Exception {
    Deliveries d = new Deliveries();
    Vertx vertx = gen.vertx();
    SockJsSession.Endpoint endpoint = new SockJsSession.Endpoint(vertx, server.target,
        server.port, kind);
    List<HttpClient> clients = new ArrayList<>();
    for (int i = 1; i <= opts.sourceAddresses; i++) {
      clients.add(vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
          .setConnectTimeout(10_000).setLocalAddress("127.0.0." + i), new PoolOptions()
          .setHttp1MaxSize(2 * n / opts.sourceAddresses + 100).setMaxWaitQueueSize(-1)));
    }
    // sockjs-client keeps one xhr_send in flight: one keep-alive connection is all it needs
    HttpClient sends = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
        .setConnectTimeout(10_000).setLocalAddress("127.0.0.1"), new PoolOptions()
        .setHttp1MaxSize(1).setMaxWaitQueueSize(-1));
    clients.add(sends);
    String register = server.target.sockJsAcksSessions() ? null : server.target.subscribe(CHANNEL);
    List<SockJsSession> subs = new ArrayList<>();
    List<SockJsSession> pubs = new ArrayList<>();
    Runnable closer = () -> closeSockJs(server, kind, subs, pubs, clients);
    try {
      List<Future<Void>> started = new ArrayList<>();
      Semaphore window = new Semaphore(IN_FLIGHT_SOCKJS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      for (int i = 0; i < n + opts.publishers; i++) {
        if (!window.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          throw new IllegalStateException("sessions did not open within 120 s");
        }
        boolean publisher = i >= n;
        SockJsSession s = new SockJsSession(endpoint, clients.get(i % opts.sourceAddresses),
            sends, publisher ? null : d, publisher ? null : register);
        (publisher ? pubs : subs).add(s);
        Future<Void> ready = s.start();
        ready.onComplete(ar -> window.release());
        started.add(ready);
      }
      gen.await(Future.all(started), Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    } catch (Exception e) {
      closer.run();
      throw new IllegalStateException(server.target.label + " " + kind.label + ": sessions did"
          + " not all open and subscribe: " + e);
    }
    return new Fanout(server.target, n, d, new Publisher(server.target, pubs, CHANNEL), closer);
  }

  /**
   * Closes a SockJS fan-out and waits until the server has forgotten its sessions (SockJS has no
   * client close: a session ends when no request came for the session timeout), so the next
   * fan-out on this server does not share it with the last one's leftovers. Sessions that broke
   * and publisher messages that no xhr_send carried are reported as problems.
   */
  private void closeSockJs(ServerProcess server, SockJsSession.Kind kind, List<SockJsSession> subs,
                           List<SockJsSession> pubs, List<HttpClient> clients) {
    subs.forEach(SockJsSession::close);
    pubs.forEach(SockJsSession::close);
    long broken = subs.stream().filter(s -> s.failure() != null).count();
    long failedSends = pubs.stream().mapToLong(SockJsSession::failedMessages).sum();
    if (broken > 0 || failedSends > 0) {
      String first = subs.stream().map(SockJsSession::failure).filter(x -> x != null)
          .findFirst().orElse("");
      results.problems.add(Report.f("%s %s: %d of %d sessions broke (%s), %d published messages"
          + " not sent", server.target.label, kind.label, broken, subs.size(), first, failedSends));
    }
    for (HttpClient c : clients) {
      try {
        c.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // closing anyway
      }
    }
    try {
      Thread.sleep(Servers.SOCKJS_SESSION_TIMEOUT_MS + 1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void warmUp(Fanout f, double rate) throws InterruptedException {
    warmUp(f, rate, opts.warmupSeconds);
  }

  void warmUp(Fanout f, double rate, double seconds) throws InterruptedException {
    long published = f.publisher().run(rate, seconds);
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
    return step(List.of(server), server.target.label, f, transport, rate, seconds, sampler,
        drainMs);
  }

  /**
   * The same over the nodes of a cluster: server CPU, drops and queued bytes are the sums over
   * {@code servers}; {@code label} names the target in the results.
   */
  Results.Step step(List<ServerProcess> servers, String label, Fanout f, String transport,
                    double rate, double seconds, Runnable sampler, long drainMs)
      throws InterruptedException {
    Deliveries d = f.deliveries();
    long received0 = d.received();
    long bytes0 = d.bytes();
    d.takeHistogram();
    long drops0 = sum(servers, ServerProcess::drops);
    Proc.Window window = new Proc.Window(servers.stream().mapToLong(ServerProcess::pid).toArray());
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
    long publishStart = System.nanoTime();
    long published = f.publisher().run(rate, seconds);
    double publishSeconds = (System.nanoTime() - publishStart) / 1e9;
    long backlog = published * f.n() - (d.received() - received0);
    long queued = sum(servers, ServerProcess::queuedBytes);
    drain(d, received0, published * f.n(), drainMs);
    Proc.Usage usage = window.end();
    if (sampling != null) {
      sampling.interrupt();
      sampling.join(1_000);
    }
    long drops1 = sum(servers, ServerProcess::drops);
    long drops = drops0 < 0 || drops1 < 0 ? -1 : drops1 - drops0;
    return new Results.Step(label, transport, f.n(), rate, seconds, published,
        d.received() - received0, d.bytes() - bytes0, drops, d.takeHistogram(), usage, backlog,
        queued, publishSeconds);
  }

  /** Sum of a per-server count; -1 when any server has none. */
  private static long sum(List<ServerProcess> servers,
                          java.util.function.ToLongFunction<ServerProcess> count) {
    long total = 0;
    for (ServerProcess s : servers) {
      long c = count.applyAsLong(s);
      if (c < 0) {
        return -1;
      }
      total += c;
    }
    return total;
  }

  private static void drain(Deliveries d, long received0, long expected, long maxMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
    while (d.received() - received0 < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  void closeQuietly(List<Session> a, List<Session> b) {
    try {
      List<Session> all = new ArrayList<>(a);
      all.addAll(b);
      gen.closeAll(all, 30_000);
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
