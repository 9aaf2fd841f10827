import io.vertx.core.*;
import io.vertx.core.http.*;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

/**
 * TLS against plain on one gateway node (run.sh starts one of each in turn): WebSocket connections
 * per second (8 in flight, connect then close), server CPU per delivery (subscribers on one channel,
 * one of them publishing over its socket) and memory per idle connection (heap after a full GC,
 * RSS). Server CPU is read from /proc/PID/stat. Each phase runs three times: the first warms up.
 * args: pid port tls(true|false) caFile subscribers publishesPerSecond seconds idleConnections
 */
public class TlsBench {
  static long cpuTicks(long pid) throws Exception {
    String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
  static long heapUsedKb(long pid) throws Exception {
    new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").start().waitFor();
    Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.heap_info").start();
    String out = new String(p.getInputStream().readAllBytes()); p.waitFor();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
    long used = 0; while (m.find()) { used = Math.max(used, Long.parseLong(m.group(1))); }
    return used;
  }
  static long rssKb(long pid) throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) if (l.startsWith("VmRSS")) return Long.parseLong(l.replaceAll("\\D", ""));
    return -1;
  }
  public static void main(String[] a) throws Exception {
    long pid = Long.parseLong(a[0]); int port = Integer.parseInt(a[1]); boolean tls = Boolean.parseBoolean(a[2]);
    String ca = a[3]; int subs = Integer.parseInt(a[4]); int rate = Integer.parseInt(a[5]); int secs = Integer.parseInt(a[6]); int idle = Integer.parseInt(a[7]);
    Vertx vertx = Vertx.vertx();
    WebSocketClientOptions wo = new WebSocketClientOptions().setMaxConnections(100000);
    if (tls) { PemTrustOptions t = new PemTrustOptions().addCertPath(ca); wo.setSsl(true).setTrustOptions(t); }
    WebSocketClient ws = vertx.createWebSocketClient(wo);
    WebSocketConnectOptions co = new WebSocketConnectOptions().setHost("localhost").setPort(port).setURI("/ws").setSsl(tls).setSubProtocols(List.of("v1.eventbus.gateway"));
    String mode = tls ? "tls" : "plain";
    // 1. connections per second: 8 in flight, connect + close, for secs (3 reps: the first warms up)
    for (int rep = 0; rep < 3; rep++) {
    AtomicLong done = new AtomicLong(); AtomicLong failed = new AtomicLong();
    long end = System.nanoTime() + secs * 1_000_000_000L;
    long c0 = cpuTicks(pid);
    CountDownLatch loops = new CountDownLatch(8);
    for (int i = 0; i < 8; i++) {
      Runnable[] next = new Runnable[1];
      next[0] = () -> { if (System.nanoTime() > end) { loops.countDown(); return; }
        ws.connect(co).compose(s -> s.close()).onComplete(ar -> { if (ar.succeeded()) done.incrementAndGet(); else failed.incrementAndGet(); next[0].run(); }); };
      vertx.runOnContext(v -> next[0].run());
    }
    loops.await();
    long c1 = cpuTicks(pid);
    System.out.printf("%s rep %d connections/s: %.0f (failed %d), server CPU per connection: %.0f us%n", mode, rep, done.get() / (double) secs, failed.get(), (c1 - c0) * 10_000.0 / done.get());
    }
    // 2. CPU per delivery: subs subscribers, rate publishes/s through the API, for secs
    List<WebSocket> sockets = new ArrayList<>(); AtomicLong received = new AtomicLong();
    for (int i = 0; i < subs; i++) {
      WebSocket s = ws.connect(co).await(30, TimeUnit.SECONDS);
      CompletableFuture<Void> acked = new CompletableFuture<>();
      s.textMessageHandler(t -> { if (t.contains("\"ack\"")) acked.complete(null); else received.incrementAndGet(); });
      s.writeTextMessage("{\"type\":\"register\",\"address\":\"chat.bench\",\"ack\":\"a\"}");
      acked.get(30, TimeUnit.SECONDS); sockets.add(s);
    }
    String wsBody = new JsonObject().put("type", "publish").put("address", "chat.bench").put("body", new JsonObject().put("text", "x".repeat(100))).encode();
    for (int rep = 0; rep < 3; rep++) {
    Thread.sleep(1000);
    long r0 = received.get(); long c0 = cpuTicks(pid);
    long t0 = System.nanoTime(); long sent = 0;
    while (System.nanoTime() - t0 < secs * 1_000_000_000L) {
      long due = (System.nanoTime() - t0) * rate / 1_000_000_000L;
      while (sent < due) { sent++; WebSocket pub = sockets.get(0); vertx.runOnContext(v -> pub.writeTextMessage(wsBody)); }
      Thread.sleep(2);
    }
    Thread.sleep(1000);
    long c1 = cpuTicks(pid); long got = received.get() - r0;
    System.out.printf("%s deliveries: %d of %d expected (%d subscribers, %d/s publishes, %d s), server CPU per delivery: %.2f us (rep %d)%n", mode, got, sent * subs, subs, rate, secs, (c1 - c0) * 10_000.0 / got, rep);
    }
    for (WebSocket s : sockets) s.close();
    Thread.sleep(2000);
    // 3. memory per idle connection (heap after GC, RSS)
    long h0 = heapUsedKb(pid), rss0 = rssKb(pid);
    List<io.vertx.core.Future<WebSocket>> idleSockets = new ArrayList<>();
    for (int i = 0; i < idle; i++) { idleSockets.add(ws.connect(co)); if (i % 100 == 99) io.vertx.core.Future.all(new ArrayList<>(idleSockets.subList(i - 99, i + 1))).await(60, TimeUnit.SECONDS); }
    io.vertx.core.Future.all(idleSockets).await(60, TimeUnit.SECONDS);
    Thread.sleep(2000);
    long h1 = heapUsedKb(pid), rss1 = rssKb(pid);
    System.out.printf("%s idle connections: %d, heap after GC +%.1f kB per connection, RSS +%.1f kB per connection%n", mode, idle, (h1 - h0) / (double) idle, (rss1 - rss0) / (double) idle);
    vertx.close().await(30, TimeUnit.SECONDS);
    System.exit(0);
  }
}
