package dev.gateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client channels live in the namespaces the configuration names ({@code permissions.subscribe},
 * by default {@code chat.*} and {@code clock}), apart from backend services: a client cannot
 * register to a backend's address, with or without a token, so it never takes a share of the
 * backend's point-to-point traffic; and a send or request that reaches a channel is refused,
 * counted and never delivered to the channel's subscribers.
 */
class ChannelsApartFromServicesTest {

  static final String SECRET = "channels-apart-secret-0123456789abcdef";
  static final String POINT_TO_POINT = "gateway_channel_point_to_point_total";

  /** Default settings (demo on): channels chat.* and clock, the service echo. */
  @RegisterExtension
  static final GatewayExtension defaults = GatewayExtension.defaults();
  /** Clients may send to the billing service; tokens are checked when given. */
  @RegisterExtension
  static final GatewayExtension services = GatewayExtension.config(new JsonObject()
      .put("permissions", new JsonObject().put("send", new JsonArray().add("echo").add("billing.*")))
      .put("auth", new JsonObject().put("mode", "optional").put("hs256Secret", SECRET)));

  /** The answer to a register: its ack, or an err. */
  static JsonObject register(BridgeClient c, String address) {
    String id = "r" + System.nanoTime();
    c.send(new JsonObject().put("type", "register").put("address", address).put("ack", id));
    JsonObject answer = c.await(m -> id.equals(m.getString("ack")) || "err".equals(m.getString("type")), 5);
    assertNotNull(answer, "no answer to register " + address);
    return answer;
  }

  static void assertDenied(BridgeClient c, String address) {
    JsonObject answer = register(c, address);
    assertEquals("access_denied", answer.getString("body"), "register " + address + ": " + answer.encode());
  }

  static void assertRegistered(BridgeClient c, String address) {
    JsonObject answer = register(c, address);
    assertEquals("ack", answer.getString("type"), "register " + address + ": " + answer.encode());
  }

  /** A backend service on the node's event bus that answers and records every request. */
  static MessageConsumer<Object> backend(GatewayExtension gw, String address, List<Object> got) {
    MessageConsumer<Object> c = gw.node().vertx.eventBus().consumer(address, m -> {
      got.add(m.body());
      m.reply("charged " + m.body());
    });
    await(c.completion());
    return c;
  }

  static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e.toString(), e);
    }
  }

  static String token(Vertx vertx, JsonObject claims) {
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    return signer.generateToken(claims, new JWTOptions().setExpiresInSeconds(60));
  }

  static BridgeClient connect(GatewayExtension gw, String token) {
    return gw.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port())
        .setURI("/ws").addHeader("Authorization", "Bearer " + token));
  }

  @Test
  void withTheDefaultsOnlyTheDemoChannelsAreOpen() {
    BridgeClient c = defaults.connect();
    assertRegistered(c, "chat.lobby");
    assertRegistered(c, "chat.a.b");
    assertRegistered(c, "clock");
    assertDenied(c, "billing.charge");
    assertDenied(c, "echo");
    assertDenied(c, "orders");
    assertDenied(c, "clock.x");
  }

  /** The attack: a client registers to a backend's address and takes a share of its requests. */
  @Test
  void aBackendGetsEveryRequestWhileAClientTriesToRegisterToItsAddress() {
    List<Object> got = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> billing = backend(defaults, "billing.charge", got);
    try {
      BridgeClient attacker = defaults.connect();
      JsonObject registered = register(attacker, "billing.charge");
      for (int i = 1; i <= 6; i++) {
        Object reply = await(defaults.node().vertx.eventBus().request("billing.charge", "card-" + i)).body();
        assertEquals("charged card-" + i, reply, "request " + i + " answered by the backend");
      }
      assertEquals(List.of("card-1", "card-2", "card-3", "card-4", "card-5", "card-6"), got);
      assertNull(attacker.await(m -> "rec".equals(m.getString("type")), 1), "the attacker saw a request");
      assertEquals("access_denied", registered.getString("body"), registered.encode());
    } finally {
      await(billing.unregister());
    }
  }

  @Test
  void aBackendGetsEveryRequestClientsSendToIt() {
    List<Object> got = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> billing = backend(services, "billing.charge", got);
    try {
      BridgeClient attacker = services.connect();
      assertDenied(attacker, "billing.charge");
      BridgeClient wide = connect(services, token(services.client(), new JsonObject()
          .put("subscribe", new JsonArray().add("*")).put("send", new JsonArray().add("*"))));
      assertDenied(wide, "billing.charge");
      BridgeClient customer = services.connect();
      for (int i = 1; i <= 6; i++) {
        String reply = "reply-" + i;
        customer.send(new JsonObject().put("type", "send").put("address", "billing.charge")
            .put("body", "card-" + i).put("replyAddress", reply));
        JsonObject answer = customer.await(m -> reply.equals(m.getString("address")), 5);
        assertNotNull(answer, "no answer to request " + i);
        assertEquals("charged card-" + i, answer.getValue("body"), answer.encode());
      }
      assertEquals(6, got.size(), "requests the backend received: " + got);
      assertNull(attacker.await(m -> "rec".equals(m.getString("type")), 1), "a client saw a request");
      assertNull(wide.await(m -> "rec".equals(m.getString("type")), 0), "a client saw a request");
    } finally {
      await(billing.unregister());
    }
  }

  @Test
  void aTokenNarrowsTheNamespacesAndCannotOpenAnother() {
    BridgeClient wide = connect(services, token(services.client(),
        new JsonObject().put("subscribe", new JsonArray().add("*"))));
    assertRegistered(wide, "chat.any");
    assertRegistered(wide, "clock");
    assertDenied(wide, "reports.daily");
    assertDenied(wide, "billing.charge");
    BridgeClient narrow = connect(services, token(services.client(),
        new JsonObject().put("subscribe", new JsonArray().add("chat.team-1.*"))));
    assertRegistered(narrow, "chat.team-1.general");
    assertDenied(narrow, "chat.team-2.general");
    assertDenied(narrow, "clock");
  }

  @Test
  void aBackendSendToAChannelIsCountedAndNotDelivered() {
    BridgeClient sub = defaults.connect().register("chat.p2p");
    double before = defaults.metric(POINT_TO_POINT);
    defaults.node().vertx.eventBus().send("chat.p2p", "point-to-point");
    defaults.node().vertx.eventBus().publish("chat.p2p", "broadcast");
    JsonObject rec = sub.awaitRec("chat.p2p", 5);
    assertNotNull(rec, "the broadcast after the send was not delivered");
    assertEquals("broadcast", rec.getValue("body"), "the first message the subscriber got");
    assertEquals(before + 1, defaults.awaitMetric(POINT_TO_POINT, v -> v == before + 1, 5), 0.0, POINT_TO_POINT);
  }

  @Test
  void aRequestToAChannelFailsAtOnceAndIsNotDelivered() {
    BridgeClient sub = defaults.connect().register("chat.p2p-request");
    double before = defaults.metric(POINT_TO_POINT);
    long started = System.nanoTime();
    ReplyException failure = null;
    try {
      defaults.node().vertx.eventBus().request("chat.p2p-request", "anyone?").await(10, TimeUnit.SECONDS);
    } catch (ReplyException e) {
      failure = e;
    } catch (Exception e) {
      throw new AssertionError("expected a reply failure, got " + e, e);
    }
    assertNotNull(failure, "a request to a channel was answered");
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, failure.failureType(), failure.toString());
    assertEquals(ChannelHub.CHANNEL_REQUEST_FAILURE, failure.failureCode(), failure.toString());
    assertTrue(failure.getMessage().contains("'chat.p2p-request' is a channel"), failure.getMessage());
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) < 5, "failed at once, not by a timeout");
    defaults.node().vertx.eventBus().publish("chat.p2p-request", "broadcast");
    JsonObject rec = sub.awaitRec("chat.p2p-request", 5);
    assertNotNull(rec, "the broadcast after the request was not delivered");
    assertEquals("broadcast", rec.getValue("body"), "the first message the subscriber got");
    assertEquals(before + 1, defaults.metric(POINT_TO_POINT), 0.0, POINT_TO_POINT);
  }

  /** A token may grant sends that reach a channel: the channel refuses them all the same. */
  @Test
  void aClientSendToAChannelIsNotDelivered() {
    BridgeClient sub = services.connect().register("chat.room");
    BridgeClient sender = connect(services, token(services.client(), new JsonObject()
        .put("send", new JsonArray().add("chat.*")).put("publish", new JsonArray().add("chat.*"))));
    double before = services.metric(POINT_TO_POINT);
    sender.send(new JsonObject().put("type", "send").put("address", "chat.room").put("body", "sent"));
    sender.publish("chat.room", "published");
    JsonObject rec = sub.awaitRec("chat.room", 5);
    assertNotNull(rec, "the publish after the send was not delivered");
    assertEquals("published", rec.getValue("body"), "the first message the subscriber got");
    assertEquals(before + 1, services.awaitMetric(POINT_TO_POINT, v -> v == before + 1, 5), 0.0, POINT_TO_POINT);
  }

  @Test
  void theCounterExistsFromTheStart() {
    boolean exported = services.scrape().lines().anyMatch(l -> l.startsWith(POINT_TO_POINT + " "));
    assertTrue(exported, POINT_TO_POINT + " is exported before any event");
  }
}
