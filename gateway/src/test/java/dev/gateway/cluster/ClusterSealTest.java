package dev.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What {@link ClusterSeal} promises: who may speak, to which address, when; and what it refuses. */
class ClusterSealTest {

  static final String SECRET = "cluster-seal-test-secret-32-characters";
  static final String TO = "gateway.internal.sockjs.node-1";

  final AtomicLong now = new AtomicLong(1_800_000_000_000L);
  final List<String> rejected = new ArrayList<>();
  final ClusterSeal seal = seal(SECRET);

  ClusterSeal seal(String secret) {
    return new ClusterSeal(secret.getBytes(StandardCharsets.UTF_8), now::get, rejected::add);
  }

  static Buffer payload(String text) {
    return Buffer.buffer(text);
  }

  @Test
  void aSealedMessageOpensToItsExactBytes() {
    Buffer p = new JsonObject().put("op", "send").put("payload", "[\"x\"]").toBuffer();
    Buffer opened = seal.open(TO, seal.seal(TO, p));
    assertEquals(p, opened);
    assertEquals(List.of(), rejected);
  }

  @Test
  void anotherSecretAChangedByteOrAnotherAddressIsRefused() {
    Buffer sealed = seal.seal(TO, payload("{\"op\":\"send\"}"));
    assertNull(seal(SECRET + "x").open(TO, sealed), "another secret");
    Buffer changed = sealed.copy();
    changed.setByte(changed.length() - 2, (byte) 'X');
    assertNull(seal.open(TO, changed), "a changed payload byte");
    Buffer retimed = sealed.copy();
    retimed.setLong(1, sealed.getLong(1) + 1);
    assertNull(seal.open(TO, retimed), "a changed time");
    assertNull(seal.open("gateway.internal.sockjs.node-2", sealed), "sealed for another node");
    assertEquals(List.of("bad_mac", "bad_mac", "bad_mac", "bad_mac"), rejected);
  }

  @Test
  void whatIsNotASealedBufferIsRefusedAsUnsigned() {
    assertNull(seal.open(TO, new JsonObject().put("op", "send")));
    assertNull(seal.open(TO, null));
    assertNull(seal.open(TO, payload("short")));
    Buffer otherVersion = seal.seal(TO, payload("x"));
    otherVersion.setByte(0, (byte) 2);
    assertNull(seal.open(TO, otherVersion));
    assertEquals(List.of("unsigned", "unsigned", "unsigned", "unsigned"), rejected);
  }

  @Test
  void aMessageOutsideTheWindowIsRefusedAsStale() {
    Buffer sealed = seal.seal(TO, payload("late"));
    now.addAndGet(ClusterSeal.WINDOW_MS);
    assertEquals(payload("late"), seal.open(TO, sealed), "at the edge of the window");
    now.addAndGet(1);
    assertNull(seal.open(TO, sealed), "replayed after the window");
    now.set(1_800_000_000_000L - ClusterSeal.WINDOW_MS - 1);
    assertNull(seal.open(TO, sealed), "from a clock too far ahead");
    assertEquals(List.of("stale", "stale"), rejected);
  }

  @Test
  void aReplyOpensOnlyForTheRequestItAnswers() {
    Buffer request = seal.seal(TO, payload("check 1"));
    Buffer other = seal.seal(TO, payload("check 2"));
    Buffer reply = seal.sealReply(request, payload("ok"));
    assertEquals(payload("ok"), seal.openReply(request, reply));
    assertNull(seal.openReply(other, reply), "a reply to another request");
    assertNull(seal.open(TO, reply), "a reply taken as a request");
    assertEquals(List.of("bad_mac", "bad_mac"), rejected);
  }

  @Test
  void keyedHashesAreStablePerSecretAndPurposeAndHideTheId() {
    String id = "3f2a9c0d1e";
    String h = seal.keyedHash("sockjs-session", id);
    assertEquals(h, seal(SECRET).keyedHash("sockjs-session", id), "same secret, same hash");
    assertNotEquals(h, seal(SECRET + "x").keyedHash("sockjs-session", id), "another secret");
    assertNotEquals(h, seal.keyedHash("jti", id), "another purpose");
    assertFalse(h.contains(id));
  }

  @Test
  void gridValuesVerifyOnlyForTheirMapAndKey() {
    String signed = seal.signValue("gateway.sockjs.owners", "k1", "node-1");
    assertEquals("node-1", seal.verifyValue("gateway.sockjs.owners", "k1", signed));
    assertNull(seal.verifyValue("gateway.sockjs.owners", "k2", signed), "moved to another key");
    assertNull(seal.verifyValue("gateway.revocations", "k1", signed), "moved to another map");
    assertNull(seal.verifyValue("gateway.sockjs.owners", "k1", "node-evil"), "no MAC");
    assertNull(seal.verifyValue("gateway.sockjs.owners", "k1",
        signed.replace("node-1", "node-2")), "another value");
    assertNull(seal(SECRET + "x").verifyValue("gateway.sockjs.owners", "k1", signed), "another secret");
    assertEquals(List.of("bad_value", "bad_value", "bad_value", "bad_value", "bad_value"), rejected);
  }
}
