package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.support.sockjs.StreamingSession;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-connection byte rate (token bucket of inbound message bytes, here 8 KiB/s with a
 * 32 KiB burst; the message rate stays at its default, far from reached): a message the byte
 * bucket cannot pay for is refused with {@code err rate_limited} and discarded, more than 5
 * refusals within 10 s close the connection with 4003, on the native WebSocket and on SockJS.
 * Bytes are counted in UTF-8.
 */
class ByteRateLimitTest {

  static final int BURST = 32 * 1024;
  static final int MESSAGE = 10_000;

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("limits", new JsonObject().put("maxMessageBytes", 16 * 1024).put("bytesPerSecond", 8 * 1024)
          .put("byteBurst", BURST).put("rateLimitStrikes", 5)));

  /** A publish of exactly {@code bytes} bytes of UTF-8, {@code fill} repeated in its body. */
  static String publishOf(String address, int seq, int bytes, String fill) {
    String head = "{\"type\":\"publish\",\"address\":\"" + address + "\",\"body\":\"" + seq + ":";
    int room = bytes - head.length() - 2;
    int unit = fill.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    assertEquals(0, room % unit, "the filler must fit exactly");
    String frame = head + fill.repeat(room / unit) + "\"}";
    assertEquals(bytes, frame.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    return frame;
  }

  static boolean isRateLimited(JsonObject m) {
    return "err".equals(m.getString("type")) && "rate_limited".equals(m.getString("body"));
  }

  /** The sequence numbers of the recs on the address that arrive within {@code seconds}. */
  static List<Integer> received(BridgeClient sub, String address, long seconds) {
    List<Integer> seqs = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (JsonObject m = sub.awaitRec(address, 1); m != null; m = sub.awaitRec(address, 1)) {
      String body = m.getString("body");
      seqs.add(Integer.parseInt(body.substring(0, body.indexOf(':'))));
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    return seqs;
  }

  @Test
  void bytesOverTheBurstAreRefusedWhileSmallMessagesStillPass() throws InterruptedException {
    try (BridgeClient sub = gw.connect().register("chat.bytes");
         BridgeClient pub = gw.connect()) {
      for (int i = 0; i < 4; i++) {
        pub.socket.writeTextMessage(publishOf("chat.bytes", i, MESSAGE, "x"));
      }
      JsonObject refused = pub.next(5);
      assertNotNull(refused, "no answer: the fourth 10 kB message within the 32 KiB burst was accepted");
      assertTrue(isRateLimited(refused), refused.encode());
      // three fit in the burst; the fourth (40 kB in all) was discarded
      assertEquals(List.of(0, 1, 2), received(sub, "chat.bytes", 3));
      // about 2.7 kB are left: a small message passes, counted by its bytes, not as a message
      pub.socket.writeTextMessage(publishOf("chat.bytes", 4, 200, "x"));
      assertEquals(List.of(4), received(sub, "chat.bytes", 2));
      assertNull(pub.next(0), "the small message was refused");
      // the bucket refills at 8 KiB/s: a big message passes again a little later
      Thread.sleep(1_500);
      pub.socket.writeTextMessage(publishOf("chat.bytes", 5, MESSAGE, "x"));
      assertEquals(List.of(5), received(sub, "chat.bytes", 2));
      assertNull(pub.awaitClose(0), "publisher closed for one refusal");
    }
  }

  @Test
  void bytesAreCountedInUtf8() {
    try (BridgeClient sub = gw.connect().register("chat.utf8-bytes");
         BridgeClient pub = gw.connect()) {
      // 12 kB of UTF-8 each, but only 6 k characters: the third does not fit in 32 KiB
      for (int i = 0; i < 3; i++) {
        pub.socket.writeTextMessage(publishOf("chat.utf8-bytes", i, 12_000, "é"));
      }
      JsonObject refused = pub.next(5);
      assertNotNull(refused, "the third 12 kB message was accepted: characters were counted, not bytes");
      assertTrue(isRateLimited(refused), refused.encode());
      assertEquals(List.of(0, 1), received(sub, "chat.utf8-bytes", 3));
    }
  }

  @Test
  void persistentByteAbuseClosesWith4003() {
    String closed = "gateway_connections_closed_total{reason=\"rate_limited\",transport=\"websocket\"}";
    double before = gw.metric(closed);
    try (BridgeClient pub = gw.connect()) {
      for (int i = 0; i < 12; i++) {
        pub.socket.writeTextMessage(publishOf("chat.flood", i, MESSAGE, "x"));
      }
      Short code = pub.awaitClose(5);
      assertNotNull(code, "a client sending 120 kB at once was not closed");
      assertEquals(4003, code.intValue(), "close reason " + pub.closeReason());
      int refusals = (int) pub.drain().stream().filter(ByteRateLimitTest::isRateLimited).count();
      assertEquals(5, refusals, "err rate_limited before the close (the 6th refusal closes)");
      assertEquals(before + 1, gw.awaitMetric(closed, v -> v == before + 1, 5), 0.0, closed);
    }
  }

  @Test
  void sockJsSessionsHaveTheSameByteRate() {
    try (BridgeClient sub = gw.connect().register("chat.sockjs-bytes");
         StreamingSession s = SockJsSession.xhrStreaming(gw.client(), gw.port())) {
      for (int i = 0; i < 4; i++) {
        s.sendMessages(publishOf("chat.sockjs-bytes", i, MESSAGE, "x"));
      }
      assertNotNull(s.awaitErr("rate_limited", 5), "the fourth 10 kB message was accepted; frames " + s.frames());
      assertEquals(List.of(0, 1, 2), received(sub, "chat.sockjs-bytes", 3));
      // more refusals than the 5 allowed (the bucket refilled a little meanwhile): the session
      // closes, and the xhr_sends after the close are answered as for a closed session
      for (int i = 4; i < 16 && s.closeFrame() == null; i++) {
        s.xhrSend(new JsonArray().add(publishOf("chat.sockjs-bytes", i, MESSAGE, "x")).encode());
      }
      assertTrue(s.awaitCondition(() -> s.closeFrame() != null, 5), "no close frame; frames " + s.frames());
      assertEquals(4003, s.closeFrame().getInteger(0), s.closeFrame().encode());
    }
  }
}
