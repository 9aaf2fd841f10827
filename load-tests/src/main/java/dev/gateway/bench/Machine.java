package dev.gateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine a run was measured on, and how the figures are obtained. */
final class Machine {

  private Machine() {
  }

  static String describe() {
    StringBuilder b = new StringBuilder();
    b.append("nproc: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
    b.append("memory: ").append(memTotal()).append('\n');
    b.append("kernel: ").append(read("/proc/sys/kernel/osrelease")).append('\n');
    b.append("java: ").append(Servers.version(List.of(Servers.javaBinary(), "-version"))).append('\n');
    b.append("node: ").append(Servers.version(List.of("node", "-v"))).append('\n');
    b.append("open files per process: ").append(Servers.version(List.of("sh", "-c", "ulimit -n")))
        .append('\n');
    b.append("load average at start: ").append(Proc.loadAverage());
    return b.toString();
  }

  private static String memTotal() {
    for (String line : read("/proc/meminfo").split("\n")) {
      if (line.startsWith("MemTotal:")) {
        return line.substring(9).trim();
      }
    }
    return "?";
  }

  private static String read(String path) {
    try {
      return Files.readString(Path.of(path)).trim();
    } catch (Exception e) {
      return "?";
    }
  }

  static final String METHOD = """

      ## How the figures are obtained

      - One load generator (a Vert.x 5 WebSocket and HTTP client on 2 event loops, in the
        benchmark's own JVM) drives every target; only the framing differs (`Target`: the
        gateway's bridge JSON, the ws peer's JSON, Socket.IO's Engine.IO v4 packets with pings
        answered, raw SockJS messages for sockjs-node and vertx-web). Client connections are
        spread over 8 source addresses 127.0.0.1-127.0.0.8.
      - Publisher connections are separate from the subscribers. Each payload carries
        `System.nanoTime()` at send (`{"t":NANOS,"s":SEQ,"p":"x"*48}`); subscribers in the same JVM
        record now - t into an HdrHistogram (µs, 3 digits). Deliveries are ~130 bytes on the wire.
      - A step publishes at a fixed rate, then waits up to the drain time for every delivery;
        lost = published x N - received. Server CPU per delivery = (utime+stime of the server
        process from /proc/PID/stat over publish + drain) / deliveries received. "Other load" is
        the machine's busy time (/proc/stat) minus the server's and the generator's: other
        processes on the same 2 cores (the figures are noisier the higher it is).
      - Saturation: N=1,000 subscribers, rising rate in 5 s steps, a failing step tried once
        more; two ramps per target, interleaved with the other targets. The figure is the
        delivery rate (while publishing) of the highest step with p99 < 100 ms and nothing lost.
      - Memory: VmRSS of the server (/proc/PID/status) before opening the idle connections and
        after they are all open plus a settle time, divided by the number of connections (kernel
        socket memory is not in RSS), on the freshly started server. Connect rate: connections
        ready (WebSocket upgraded; for Socket.IO its namespace connect answered) per second, 256
        handshakes in flight; "cold" is that first pass, "warm" a second pass after all closed.
      - Overload: more deliveries offered than the 2 cores can make; RSS sampled every 250 ms.
        The gateway's drops are `gateway_messages_dropped_total` from /metrics; the ws peer skips
        a subscriber with >= 1 MiB buffered (counted); Socket.IO has no such limit.
      - SockJS (`sockjs` over xhr-streaming, `eventsource` over eventsource), for every
        SockJS target (the gateway, sockjs-node, vertx-web's bare SockJS handler) with the same
        client: N=1,000 sessions opened as sockjs-client opens them (streaming request reopened
        when the server ends it at 128 KiB, 64 sessions opening at a time), and one publisher
        session sending over `xhr_send` (one request in flight, messages sent meanwhile batched
        into the next, as sockjs-client does). Gateway subscribers register over `xhr_send` and
        count from the gateway's ack; the peers subscribe every session and ack it themselves,
        and broadcast each message to every session but its sender. Each repetition: 5 s of
        warm-up and 10 s at 20,000 deliveries/s (server CPU per delivery), then the saturation
        ramp from 10,000 deliveries/s; 3 repetitions interleaved across targets, the figures are
        medians. Every SockJS server runs with heartbeat 25 s, session timeout 5 s and a 128 KiB
        streaming limit; after each repetition the benchmark waits out the session timeout so
        the server has forgotten the sessions before the next one.
      """;
}
