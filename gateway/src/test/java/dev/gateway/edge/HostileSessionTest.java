package dev.gateway.edge;

import static dev.gateway.edge.HttpWire.frames;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Session ids cannot be guessed into anything or taken over. An {@code xhr_send} to an id no
 * session has is 404 and creates nothing, however many come (connections and slots unchanged);
 * every receiving or sending request from another address for a live session's id is 404 and
 * counted as {@code address_mismatch}, and the owner's stream or waiting poll keeps receiving,
 * undisturbed. A healthy neighbour receives every message meanwhile.
 */
class HostileSessionTest {

  static final String OWNER = "127.0.0.1";
  static final String GUESSER = "127.0.0.9";
  static final String THIEF = "127.0.0.10";

  Vertx clients;
  TestGateway gateway;
  Neighbour healthy;
  final List<HttpWire> held = new ArrayList<>();

  @BeforeEach
  void start() {
    clients = Vertx.vertx();
    gateway = TestGateway.start(Edge.config());
    healthy = Neighbour.start(clients, gateway, "chat.neighbour", null);
  }

  @AfterEach
  void stop() {
    held.forEach(HttpWire::close);
    healthy.close();
    clients.close().await();
    gateway.close();
  }

  private HttpWire hold(HttpWire w) {
    held.add(w);
    return w;
  }

  private static String randomId(int length) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < length) {
      sb.append(UUID.randomUUID().toString().replace("-", ""));
    }
    return sb.substring(0, length);
  }

  /** The status of the answer, or "no answer" when none began within a second (a refusal is immediate). */
  private static String status(HttpWire w) {
    try {
      return String.valueOf(w.head(1).status());
    } catch (AssertionError e) {
      return "no answer";
    }
  }

  @Test
  void guessedSessionIdsAre404AndCreateNothing() throws Exception {
    String ping = frames(new JsonObject().put("type", "ping"));
    Map<Integer, Integer> statuses = new TreeMap<>();
    for (int i = 0; i < 300; i++) {
      int length = new int[] {1, 8, 32, 200}[i % 4];
      String id = randomId(length);
      int status = HttpWire.sockJs(GUESSER, gateway.port, id, "xhr_send", ping, 3).status();
      statuses.merge(status, 1, Integer::sum);
    }
    assertAll(
        () -> assertEquals(Map.of(404, 300), statuses, "answers to xhr_send for 300 random session ids"),
        () -> Edge.assertHolds(gateway, 1, 1, 64 * 1024, "300 guessed session ids"),
        () -> healthy.assertReceivedAll("during session-id guessing"));
  }

  @Test
  void everyTakeoverAttemptOnAStreamIsRefusedAndTheOwnerKeepsReceiving() throws Exception {
    String id = randomId(8);
    HttpWire stream = hold(HttpWire.sockJs(OWNER, gateway.port, id, "xhr_streaming", null));
    stream.awaitBody("o\n", 3);
    assertEquals(204, HttpWire.sockJs(OWNER, gateway.port, id, "xhr_send", frames(new JsonObject()
        .put("type", "register").put("address", "chat.owner").put("ack", "owner-registered")), 3).status());
    stream.awaitBody("owner-registered", 3);
    double before = Edge.find(gateway, Edge.ADDRESS_MISMATCH).orElse(0);
    Map<String, Integer> answers = new TreeMap<>();
    int attempts = 0;
    for (int round = 0; round < 5; round++) {
      for (String transport : new String[] {"xhr", "xhr_streaming", "xhr_send"}) {
        try (HttpWire w = HttpWire.sockJs(THIEF, gateway.port, id, transport,
            transport.equals("xhr_send") ? frames(new JsonObject().put("type", "ping")) : null)) {
          answers.merge(transport + " " + status(w), 1, Integer::sum);
        }
        attempts++;
      }
      try (HttpWire w = HttpWire.open(THIEF, gateway.port)) {
        answers.merge("eventsource " + status(w.send("GET", "/eventbus/000/" + id + "/eventsource", Map.of(), null)),
            1, Integer::sum);
      }
      attempts++;
      gateway.vertx.eventBus().publish("chat.owner", "round-" + round);
    }
    int total = attempts;
    assertAll(
        () -> assertEquals(Map.of("eventsource 404", 5, "xhr 404", 5, "xhr_send 404", 5, "xhr_streaming 404", 5), answers,
            "answers to requests from " + THIEF + " for the session of " + OWNER),
        () -> stream.awaitBody("round-4", 3),
        () -> assertEquals(before + total, Edge.sample(gateway, Edge.ADDRESS_MISMATCH), 0.0, "refusals counted"),
        () -> Edge.assertHolds(gateway, 2, 2, 64 * 1024, "takeover attempts (the neighbour and the owner's stream)"),
        () -> healthy.assertReceivedAll("during takeover attempts"));
  }

  @Test
  void aPollFromAnotherAddressNeitherAnswersNorDisturbsTheOwnersWaitingPoll() throws Exception {
    String id = randomId(8);
    assertEquals("o\n", HttpWire.sockJs(OWNER, gateway.port, id, "xhr", null, 3).body());
    assertEquals(204, HttpWire.sockJs(OWNER, gateway.port, id, "xhr_send", frames(new JsonObject()
        .put("type", "register").put("address", "chat.poller").put("ack", "poller-registered")), 3).status());
    assertTrue(HttpWire.sockJs(OWNER, gateway.port, id, "xhr", null, 3).body().contains("poller-registered"));
    HttpWire waiting = hold(HttpWire.sockJs(OWNER, gateway.port, id, "xhr", null));
    TimeUnit.MILLISECONDS.sleep(200);
    HttpWire.Response stolen = HttpWire.sockJs(THIEF, gateway.port, id, "xhr", null, 3);
    gateway.vertx.eventBus().publish("chat.poller", "for-the-owner-" + ThreadLocalRandom.current().nextInt(1000));
    HttpWire.Response owner = Edge.step("the owner's waiting poll", () -> waiting.response(3));
    assertAll(
        () -> assertEquals(404, stolen.status(), "a poll from " + THIEF + ": " + stolen),
        () -> assertTrue(owner.body().contains("for-the-owner-"), "the owner's waiting poll got " + owner),
        () -> healthy.assertReceivedAll("during a polling takeover attempt"));
  }
}
