package dev.gateway.browser;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on 127.0.0.1 that a test puts between a browser and a gateway, so it can do to a
 * connection what a network does: {@link #cut()} closes the listening socket and every relayed
 * connection (the browser sees its WebSocket drop and cannot reconnect), {@link #restart()}
 * listens again on the same port, {@link #target(int)} sends new connections to another node,
 * and {@link #pauseDownstream()} stops reading from the gateway (with small socket buffers, so
 * the gateway's outbound queue fills as it does for a client that stopped reading). Blocking
 * methods: call them from the test thread, never from an event loop.
 */
final class TcpRelay implements AutoCloseable {

  /** Socket buffers of the relay's connections to the gateway: backpressure reaches it soon. */
  private static final int UPSTREAM_BUFFER_BYTES = 8 * 1024;

  private final Vertx vertx;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  /** Connections to the gateway, with the context they run on (pause and resume run there). */
  private final Map<NetSocket, Context> upstreams = new ConcurrentHashMap<>();
  private volatile int targetPort;
  private volatile boolean paused;
  private volatile int port;
  private NetServer server;

  private TcpRelay(Vertx vertx, int targetPort) {
    this.vertx = vertx;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient(new NetClientOptions()
        .setReceiveBufferSize(UPSTREAM_BUFFER_BYTES).setSendBufferSize(UPSTREAM_BUFFER_BYTES));
  }

  /** A relay on an ephemeral port of 127.0.0.1 to 127.0.0.1:targetPort. */
  static TcpRelay start(Vertx vertx, int targetPort) {
    TcpRelay relay = new TcpRelay(vertx, targetPort);
    relay.listen(0);
    return relay;
  }

  int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT} + path: a URL through the relay. */
  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** Relayed connections open now (browser side). */
  int connections() {
    return sockets.size();
  }

  /** New connections go to this port from now on; open ones keep theirs. */
  void target(int port) {
    targetPort = port;
  }

  /** Stops listening and closes every relayed connection, both sides; a pause ends with them. */
  void cut() {
    paused = false;
    if (server != null) {
      await(server.close());
      server = null;
    }
    for (NetSocket s : Set.copyOf(sockets)) {
      s.close();
    }
    for (NetSocket s : Set.copyOf(upstreams.keySet())) {
      s.close();
    }
  }

  /** Listens again on the same port. */
  void restart() {
    if (server == null) {
      listen(port);
    }
  }

  /** Stops reading what the gateway sends on every relayed connection. */
  void pauseDownstream() {
    paused = true;
    upstreams.forEach((s, ctx) -> ctx.runOnContext(v -> s.pause()));
  }

  void resumeDownstream() {
    paused = false;
    upstreams.forEach((s, ctx) -> ctx.runOnContext(v -> s.resume()));
  }

  @Override
  public void close() {
    cut();
    await(client.close());
  }

  private static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("relay: no answer within 5 s", e);
    }
  }

  private void listen(int onPort) {
    NetServer s = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(onPort)
        .setReuseAddress(true));
    s.connectHandler(this::relay);
    await(s.listen());
    server = s;
    port = s.actualPort();
  }

  private void relay(NetSocket in) {
    in.pause();
    sockets.add(in);
    in.closeHandler(v -> sockets.remove(in));
    client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        in.close();
        return;
      }
      NetSocket out = ar.result();
      upstreams.put(out, Vertx.currentContext());
      out.closeHandler(v -> {
        upstreams.remove(out);
        in.close();
      });
      in.closeHandler(v -> {
        sockets.remove(in);
        out.close();
      });
      if (!sockets.contains(in)) {
        out.close(); // closed (or cut) while connecting
        return;
      }
      pipe(in, out, false);
      pipe(out, in, true);
      if (paused) {
        out.pause();
      }
      in.resume();
    });
  }

  /** Copies from one socket to the other with backpressure; a paused relay keeps downstream paused. */
  private void pipe(NetSocket from, NetSocket to, boolean downstream) {
    from.handler(buffer -> {
      to.write(buffer);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> {
          if (!(downstream && paused)) {
            from.resume();
          }
        });
      }
    });
  }
}
