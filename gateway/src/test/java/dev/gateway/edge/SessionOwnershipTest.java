package dev.gateway.edge;

import static dev.gateway.edge.HttpWire.frames;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A SockJS session belongs to the client address that opened it. A request for an existing
 * session id from another address is refused with 404 and counted in
 * {@code gateway_sockjs_refused_total{reason="address_mismatch"}}: an {@code xhr_send} is not
 * acted on (it never runs under the owner's token), and a second receiving request never
 * detaches the owner's. From the owner's own address, a second concurrent receiver gets
 * {@code c[2010,"Another connection still open"]} and the first one keeps receiving, on
 * xhr-streaming and xhr-polling alike.
 */
class SessionOwnershipTest {

  static final String OWNER = "127.0.0.1";
  static final String OTHER = "127.0.0.2";
  static final String TAKEN = "c[2010,\"Another connection still open\"]";

  static TestGateway gateway;
  static Vertx clients;
  final List<HttpWire> held = new ArrayList<>();

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(Edge.config("auth", Edge.auth("optional"),
        "permissions", Edge.channels("news.*", "chat.*")));
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    clients.close().await();
    gateway.close();
  }

  @AfterEach
  void closeHeld() {
    held.forEach(HttpWire::close);
  }

  private HttpWire hold(HttpWire w) {
    held.add(w);
    return w;
  }

  static String session() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 8);
  }

  static JsonObject register(String address, String ack) {
    return new JsonObject().put("type", "register").put("address", address).put("ack", ack);
  }

  static JsonObject publish(String address, String body) {
    return new JsonObject().put("type", "publish").put("address", address).put("body", body);
  }

  private static HttpWire.Response send(String source, String session, JsonObject... messages) {
    return HttpWire.sockJs(source, gateway.port, session, "xhr_send", frames(messages), 3);
  }

  private static double mismatches() {
    return Edge.find(gateway, Edge.ADDRESS_MISMATCH).orElse(0);
  }

  @Test
  void anotherAddressCanNeitherSendAsTheOwnerNorTakeItsStream() throws Exception {
    String victimToken = Edge.validJwt(new JsonObject().put("sub", "victim")
        .put("publish", new JsonArray().add("news.*")).put("subscribe", new JsonArray().add("news.*")));
    String readerToken = Edge.validJwt(new JsonObject().put("sub", "reader").put("subscribe", new JsonArray().add("news.*")));
    try (BridgeClient reader = BridgeClient.connect(clients, new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(gateway.port).setURI("/ws").addHeader("Authorization", "Bearer " + readerToken))) {
      reader.register("news.owned");
      String id = session();
      HttpWire stream = hold(HttpWire.sockJs(OWNER, gateway.port, id, "xhr_streaming", null));
      stream.awaitBody("o\n", 3);
      JsonObject auth = register("news.victim", "victim-registered").put("headers", new JsonObject().put("token", victimToken));
      assertEquals(204, send(OWNER, id, auth).status(), "the owner's xhr_send");
      stream.awaitBody("victim-registered", 3);
      double before = mismatches();

      HttpWire.Response forged = send(OTHER, id, publish("news.owned", "stolen"));
      HttpWire takeover = hold(HttpWire.sockJs(OTHER, gateway.port, id, "xhr_streaming", null));
      int takeoverStatus = takeover.head(3).status();
      gateway.vertx.eventBus().publish("news.victim", "after-takeover");
      assertEquals(204, send(OWNER, id, publish("news.owned", "mine")).status(), "the owner's publish");

      List<String> bodies = new ArrayList<>(); // what reached the reader, up to the owner's publish
      while (!bodies.contains("mine")) {
        JsonObject m = reader.awaitRec("news.owned", 3);
        if (m == null) {
          break;
        }
        bodies.add(String.valueOf(m.getValue("body")));
      }
      assertAll(
          () -> assertEquals(404, forged.status(), "xhr_send from " + OTHER + " to the session of " + OWNER + ": " + forged),
          () -> assertTrue(bodies.contains("mine"), "the owner's publish did not arrive: " + bodies),
          () -> assertTrue(!bodies.contains("stolen"), "a publish sent from " + OTHER + " was acted on under the owner's token: " + bodies),
          () -> assertEquals(404, takeoverStatus, "xhr_streaming from " + OTHER + " on the session of " + OWNER + ": " + takeover.head(3)),
          () -> stream.awaitBody("after-takeover", 3),
          () -> assertEquals(before + 2, Edge.sample(gateway, Edge.ADDRESS_MISMATCH), 0.0, "refusals counted"));
    }
  }

  @Test
  void secondStreamFromTheOwnerGets2010AndTheFirstKeepsReceiving() {
    String id = session();
    HttpWire first = hold(HttpWire.sockJs(OWNER, gateway.port, id, "xhr_streaming", null));
    first.awaitBody("o\n", 3);
    assertEquals(204, send(OWNER, id, register("chat.same", "same-registered")).status());
    first.awaitBody("same-registered", 3);
    HttpWire second = hold(HttpWire.sockJs(OWNER, gateway.port, id, "xhr_streaming", null));
    assertAll(
        () -> second.awaitBody(TAKEN, 3),
        () -> {
          gateway.vertx.eventBus().publish("chat.same", "after-2010");
          first.awaitBody("after-2010", 3);
        });
  }

  @Test
  void secondPollFromTheOwnerGets2010AndTheWaitingPollIsStillAnswered() throws Exception {
    String id = session();
    assertEquals("o\n", HttpWire.sockJs(OWNER, gateway.port, id, "xhr", null, 3).body());
    assertEquals(204, send(OWNER, id, register("chat.poll", "poll-registered")).status());
    String acked = HttpWire.sockJs(OWNER, gateway.port, id, "xhr", null, 3).body();
    assertTrue(acked.contains("poll-registered"), "second poll: " + acked);
    HttpWire waiting = hold(HttpWire.sockJs(OWNER, gateway.port, id, "xhr", null));
    TimeUnit.MILLISECONDS.sleep(200); // the waiting poll is attached
    String refused = HttpWire.sockJs(OWNER, gateway.port, id, "xhr", null, 3).body();
    assertAll(
        () -> assertEquals(TAKEN + "\n", refused, "a second concurrent poll"),
        () -> {
          gateway.vertx.eventBus().publish("chat.poll", "after-2010");
          HttpWire.Response answer = waiting.response(3);
          assertTrue(answer.body().contains("after-2010"), "the waiting poll was answered with " + answer);
        });
  }

  /** Behind a trusted proxy the session belongs to the forwarded client address, not the proxy's. */
  @Test
  void behindATrustedProxyTheForwardedAddressOwnsTheSession() throws Exception {
    try (TestGateway proxied = TestGateway.start(Edge.config(
        "security", new JsonObject().put("trustedProxies", new JsonArray().add("127.0.0.1"))))) {
      String id = session();
      String path = "/eventbus/000/" + id;
      try (HttpWire stream = HttpWire.open(OWNER, proxied.port)
          .send("POST", path + "/xhr_streaming", java.util.Map.of("X-Forwarded-For", "203.0.113.5"), "")) {
        stream.awaitBody("o\n", 3);
        String ping = frames(new JsonObject().put("type", "ping"));
        HttpWire.Response other = HttpWire.exchange(OWNER, proxied.port, "POST", path + "/xhr_send",
            java.util.Map.of("X-Forwarded-For", "203.0.113.6"), ping, 3);
        HttpWire.Response same = HttpWire.exchange(OWNER, proxied.port, "POST", path + "/xhr_send",
            java.util.Map.of("X-Forwarded-For", "203.0.113.5"), ping, 3);
        assertAll(
            () -> assertEquals(404, other.status(), "xhr_send forwarded for 203.0.113.6 to the session of 203.0.113.5: " + other),
            () -> assertEquals(204, same.status(), "xhr_send forwarded for the owner 203.0.113.5: " + same),
            () -> assertEquals(1, Edge.sample(proxied, Edge.ADDRESS_MISMATCH), 0.0, "refusals counted"));
      }
    }
  }
}
