package dev.gateway.ops;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real client traffic on two gateway nodes for the monitoring tests. First phase: two native
 * WebSocket subscribers per node, a publisher on node 1 publishing every 100 ms (and the HTTP API
 * on node 2 every 500 ms) until closed, one forbidden publish, a bad-Origin handshake (node 1), a
 * bad-token handshake (node 2), one short-lived connection per node. Second phase (once Prometheus
 * has seen the counters): another short-lived connection per node and a SockJS xhr-polling
 * session on node 1 that subscribes and receives.
 */
final class GatewayTraffic implements AutoCloseable {

  final AtomicInteger apiFailures = new AtomicInteger();
  private final Vertx vertx = Vertx.vertx();
  private final GatewayProcess[] nodes;
  private final String channel;
  private final int[] websocket = new int[2];
  private final List<BridgeClient> clients = new ArrayList<>();
  private final java.net.http.HttpClient api = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
  private volatile boolean publishing = true;
  private Thread publisher;

  GatewayTraffic(GatewayProcess node1, GatewayProcess node2, String channel) {
    this.nodes = new GatewayProcess[] {node1, node2};
    this.channel = channel;
  }

  /** Native WebSocket clients the test holds open on node 0 or 1. */
  int websocketClients(int node) {
    return websocket[node];
  }

  void firstPhase() {
    List<BridgeClient> subscribers = new ArrayList<>();
    for (int n = 0; n < 2; n++) {
      for (int i = 0; i < 2; i++) {
        subscribers.add(open(n).register(channel));
      }
    }
    BridgeClient pub = open(0);
    pub.publish("forbidden.prometheus", 1);
    if (pub.await(m -> "err".equals(m.getString("type")) && "access_denied".equals(m.getString("body")), 10) == null) {
      throw new AssertionError("no access_denied for a publish outside permissions.publish");
    }
    refused(0, new WebSocketConnectOptions().setURI("/ws").addHeader("Origin", "http://evil.example"), 403);
    refused(1, new WebSocketConnectOptions().setURI("/ws?token=not-a-jwt"), 401);
    openAndClose();
    publisher = new Thread(() -> publish(pub), "prometheus-it-publisher");
    publisher.setDaemon(true);
    publisher.start();
    for (BridgeClient s : subscribers) {
      if (s.awaitRec(channel, 10) == null) {
        throw new AssertionError("a subscriber received nothing on " + channel);
      }
    }
  }

  void secondPhase() {
    openAndClose();
    sockJsSession(0);
  }

  private void publish(BridgeClient pub) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (int i = 0; publishing && System.nanoTime() < end; i++) {
      pub.publish(channel, new JsonObject().put("n", i));
      if (i % 5 == 0) {
        apiPublish(i);
      }
      PrometheusServer.pause(100);
    }
  }

  private void apiPublish(int i) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes[1].port + "/api/publish"))
        .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            new JsonObject().put("address", channel).put("body", new JsonObject().put("api", i)).encode()))
        .build();
    try {
      if (api.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() != 202) {
        apiFailures.incrementAndGet();
      }
    } catch (Exception e) {
      if (publishing) {
        apiFailures.incrementAndGet();
      }
    }
  }

  private BridgeClient open(int node) {
    BridgeClient c = BridgeClient.connect(vertx, nodes[node].port);
    clients.add(c);
    websocket[node]++;
    return c;
  }

  private void openAndClose() {
    for (GatewayProcess node : nodes) {
      BridgeClient.connect(vertx, node.port).close();
    }
  }

  private void refused(int node, WebSocketConnectOptions options, int status) {
    try {
      BridgeClient.connect(vertx, options.setHost("127.0.0.1").setPort(nodes[node].port)).close();
    } catch (IllegalStateException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof UpgradeRejectedException r && r.getStatus() == status) {
          return;
        }
      }
      throw new AssertionError("handshake " + options.getURI() + " failed without " + status + ": " + e, e);
    }
    throw new AssertionError("handshake " + options.getURI() + " accepted; expected " + status);
  }

  /** A SockJS xhr-polling session: open, subscribe with an ack, poll until a broadcast arrives. */
  private void sockJsSession(int node) {
    try (SockJsSession s = SockJsSession.xhrPolling(vertx, nodes[node].port)) {
      s.register(channel);
      if (s.awaitRec(channel, 15) == null) {
        throw new AssertionError("SockJS session: no broadcast on " + channel + " after 15 s; frames "
            + s.frames() + ", failure " + s.failure());
      }
    }
  }

  @Override
  public void close() {
    publishing = false;
    if (publisher != null) {
      try {
        publisher.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    clients.forEach(BridgeClient::close);
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort: the nodes are killed next
    }
  }
}
