package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.HttpExchange;
import dev.gateway.support.TestGateway;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Receivers of one xhr-polling session: SockJS allows one at a time and refuses another with
 * {@code c[2010,"Another connection still open"]}. The plain protocol checks run on a node with
 * one event loop (requests handled in arrival order); the race check runs on a node with two
 * event loops, where consecutive polls of one session usually land on different loops.
 */
class SockJsConcurrentReceiverTest {

  static final String OPENED = "gateway_connections_opened_total{transport=\"xhr-polling\"}";
  static final String OPEN = "gateway_connections{transport=\"xhr-polling\"}";
  static final JsonObject RACE_CONFIG = new JsonObject()
      .put("sockjs", new JsonObject().put("sessionTimeoutMs", 2000));

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("server", new JsonObject().put("eventLoops", 1)));

  HttpClientAgent http;
  final List<HttpClientConnection> connections = new ArrayList<>();

  @BeforeEach
  void newClient() {
    // the gateway closes the connection after each poll: no pooled reuse
    http = gw.client().createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void closeClient() throws Exception {
    connections.forEach(HttpClientConnection::close); // ends polls still held
    http.close().await(10, TimeUnit.SECONDS);
  }

  /** A connection made now, to send a request later without connecting first. */
  HttpClientConnection connect(int port) throws Exception {
    HttpClientConnection c = http.connect(new HttpConnectOptions().setHost("127.0.0.1").setPort(port))
        .await(10, TimeUnit.SECONDS);
    connections.add(c);
    return c;
  }

  /** POSTs; the body answered, or "204" for an empty 204. */
  static Future<String> post(HttpClient c, int port, String uri, String body) {
    return HttpExchange.send(c, HttpMethod.POST, port, uri,
        HttpExchange.sockJsHeaders(MultiMap.caseInsensitiveMultiMap(), body), body, new StringBuffer())
        .map(r -> r.status() == 204 ? "204" : r.body());
  }

  /** Opens the session; returns once the gateway has its connection (the open is complete). */
  void open(TestGateway node, String session) throws Exception {
    double before = node.metric(OPENED);
    assertEquals("o\n", post(http, node.port, session + "/xhr", null).await(10, TimeUnit.SECONDS));
    assertTrue(awaitMetric(node, OPENED, before + 1, 10), "no gateway connection for the session");
  }

  static boolean awaitMetric(TestGateway node, String sample, double value, long seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (node.metric(sample) != value && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return node.metric(sample) == value;
  }

  /** Two receivers sent together on ready connections; returns {answered first, other}. */
  List<Future<String>> twoReceivers(TestGateway node, String session) throws Exception {
    HttpClientConnection c1 = connect(node.port);
    HttpClientConnection c2 = connect(node.port);
    Future<String> p1 = post(c1, node.port, session + "/xhr", null);
    Future<String> p2 = post(c2, node.port, session + "/xhr", null);
    Future.any(p1, p2).await(10, TimeUnit.SECONDS);
    return p1.isComplete() ? List.of(p1, p2) : List.of(p2, p1);
  }

  @Test
  void secondConcurrentReceiverIsRefusedWith2010() throws Exception {
    String session = SockJsSession.newSessionPath();
    open(gw.node(), session);
    List<Future<String>> polls = twoReceivers(gw.node(), session);
    assertEquals("c[2010,\"Another connection still open\"]\n", polls.get(0).result());
    assertFalse(polls.get(1).isComplete(), "both receivers answered: " + polls.get(1).result());
  }

  /**
   * The receiver that was there first stays the session's receiver: refusing the second one must
   * not reset the session's listener (vert.x-web 5.0.10's XhrPollingListener.close() calls
   * SockJSSession.resetListener(); the held poll would then never get anything, and the session
   * would be shut down after sockjs.sessionTimeoutMs with it still held).
   */
  @Test
  void receiverHeldWhenAnotherIsRefusedStillGetsMessages() throws Exception {
    String session = SockJsSession.newSessionPath();
    open(gw.node(), session);
    Future<String> held = twoReceivers(gw.node(), session).get(1);
    String register = new JsonObject().put("type", "register").put("address", "chat.receivers")
        .put("ack", "k2010").encode();
    assertEquals("204", post(http, gw.port(), session + "/xhr_send",
        new JsonArray().add(register).encode()).await(10, TimeUnit.SECONDS));
    String delivered;
    try {
      delivered = held.await(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the held receiver got nothing after another receiver was refused");
    }
    assertTrue(delivered.startsWith("a[") && delivered.contains("k2010"), "held receiver got: " + delivered);
  }

  /**
   * sockjs-client polls again as soon as it has the open frame; that poll may reach the server on
   * another event loop. It must not get a second open frame (sockjs-client then closes with 1006
   * "Server lost session"), and each SockJS session must be one gateway connection, ended with
   * the session. Repeated because it is a race.
   */
  @Test
  void immediateSecondPollNeverOpensTheSessionTwice() throws Exception {
    int sessions = 100;
    TestGateway node = gw.start(RACE_CONFIG);
    List<Future<String>> secondPolls = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      String session = SockJsSession.newSessionPath();
      HttpClientConnection second = connect(node.port);
      post(http, node.port, session + "/xhr", null).compose(body -> {
        if (!body.equals("o\n")) {
          return Future.failedFuture("first poll answered " + body);
        }
        secondPolls.add(post(second, node.port, session + "/xhr", null)); // held by the server
        return Future.succeededFuture();
      }).await(10, TimeUnit.SECONDS);
    }
    closeClient(); // every session ends: its receiver is gone, or at the session timeout
    awaitMetric(node, OPEN, 0, 8);
    long reopened = secondPolls.stream().filter(f -> f.succeeded() && f.result().equals("o\n")).count();
    double opened = node.metric(OPENED);
    double left = node.metric(OPEN);
    assertAll(
        () -> assertEquals(0, reopened, "second polls answered with another open frame"),
        () -> assertEquals(sessions, opened, "gateway connections opened for " + sessions + " sessions"),
        () -> assertEquals(0.0, left, "gateway connections left open after every session ended"));
  }
}
