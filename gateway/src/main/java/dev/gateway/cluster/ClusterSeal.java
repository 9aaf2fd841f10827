package dev.gateway.cluster;

import dev.gateway.config.GatewayConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates what gateway nodes tell each other, with keys derived from the cluster secret
 * ({@code cluster.secret}): event-bus messages that carry client traffic or a control action,
 * values in the data grid that grant or deny something, and ids that the grid may hold only as
 * keyed hashes. To seal is to authenticate, not to encrypt: the payload travels as it is (only
 * event-bus TLS hides it).
 *
 * <p>A sealed message is the payload behind a 41-byte header: a version byte, the sender's
 * wall-clock time in milliseconds, and an HMAC-SHA256 over the destination address, that time
 * and the payload's exact bytes.
 *
 * <p>Guarantees, for a receiver that takes a message only through {@link #open}:
 * <ul>
 *   <li>the payload it gets is, byte for byte, what a holder of the secret sealed for this very
 *   address (a message sealed for one node's address is refused at another's) less than
 *   {@link #WINDOW_MS} before or after the receiver's clock says now;</li>
 *   <li>anything else (no envelope, another key, a changed byte, another address, a time outside
 *   the window) is refused and counted under a reason ({@code unsigned}, {@code bad_mac},
 *   {@code stale}); the caller gets null and must drop the message (receivers that bound a
 *   message's size count one over it as {@code too_big});</li>
 *   <li>a reply sealed with {@link #sealReply} opens only for the request it answers.</li>
 * </ul>
 * Not guaranteed: secrecy; uniqueness (within the window a captured message can be delivered
 * again: keeping captures out of reach is event-bus TLS's job); delivery (whoever reaches the
 * cluster network can still drop or delay messages). Node clocks must agree to well within the
 * window.
 *
 * <p>Grid values ({@link #signValue}) carry a MAC over the map, the key and the value, without a
 * time: they are refused ({@code bad_value}) when they do not verify, but an attacker on the grid
 * can still delete them or put back a value that was valid for that same key before.
 *
 * <p>Thread-safe.
 */
public final class ClusterSeal {

  /** How far a sealed message's time may lie from the receiver's clock, either way. */
  public static final long WINDOW_MS = 15_000;
  /** Reasons a message or value is refused (the tag of the rejection counter). */
  public static final java.util.List<String> REASONS = java.util.List.of("unsigned", "bad_mac",
      "stale", "bad_value", "bad_broadcast", "too_big");
  /** The header that carries a channel broadcast's tag ({@link #broadcastTag}). */
  public static final String BROADCAST_TAG = "gateway.seal";

  private static final byte VERSION = 1;
  private static final int MAC_BYTES = 32;
  private static final int HEADER_BYTES = 1 + 8 + MAC_BYTES;
  /** Keys of a cluster clustered without a secret ({@code cluster.insecure}): no protection at all. */
  private static final String INSECURE_SECRET = "cluster.insecure: no secret, no protection";

  private final ThreadLocal<Mac> messageMac;
  private final ThreadLocal<Mac> hashMac;
  private final ThreadLocal<Mac> valueMac;
  private final ThreadLocal<Mac> broadcastMac;
  private final LongSupplier clock;
  private final Consumer<String> rejected;

  ClusterSeal(byte[] secret, LongSupplier clock, Consumer<String> rejected) {
    this.messageMac = macFor(derive(secret, "message"));
    this.hashMac = macFor(derive(secret, "hash"));
    this.valueMac = macFor(derive(secret, "value"));
    this.broadcastMac = macFor(derive(secret, "broadcast"));
    this.clock = clock;
    this.rejected = rejected;
  }

  /** Keys derived from the secret (UTF-8); {@code rejected} is told the reason of each refusal. */
  public static ClusterSeal of(String secret, Consumer<String> rejected) {
    return new ClusterSeal(secret.getBytes(StandardCharsets.UTF_8), System::currentTimeMillis,
        rejected);
  }

  /**
   * The seal of a node: from {@code cluster.secret} when set; a key of its own, shared with no
   * one, on a single node; a publicly known key on a cluster that runs without a secret
   * ({@code cluster.insecure=true}), so the code path stays the same but nothing is protected.
   */
  public static ClusterSeal forNode(GatewayConfig.Cluster cluster, Consumer<String> rejected) {
    if (cluster.secret() != null) {
      return of(cluster.secret(), rejected);
    }
    if (cluster.enabled()) {
      return of(INSECURE_SECRET, rejected);
    }
    byte[] own = new byte[32];
    new SecureRandom().nextBytes(own);
    return new ClusterSeal(own, System::currentTimeMillis, rejected);
  }

  /** The payload sealed for delivery to {@code address}. */
  public Buffer seal(String address, Buffer payload) {
    long now = clock.getAsLong();
    byte[] mac = mac(address, now, payload);
    return Buffer.buffer(HEADER_BYTES + payload.length()).appendByte(VERSION).appendLong(now)
        .appendBytes(mac).appendBuffer(payload);
  }

  /**
   * The payload of a message received at {@code address}, or null (refused and counted) unless
   * {@code body} was sealed for that address by a holder of the secret, within the window.
   */
  public Buffer open(String address, Object body) {
    if (!(body instanceof Buffer sealed) || sealed.length() < HEADER_BYTES
        || sealed.getByte(0) != VERSION) {
      rejected.accept("unsigned");
      return null;
    }
    long time = sealed.getLong(1);
    Buffer payload = sealed.getBuffer(HEADER_BYTES, sealed.length());
    byte[] expected = mac(address, time, payload);
    if (!MessageDigest.isEqual(expected, sealed.getBytes(9, HEADER_BYTES))) {
      rejected.accept("bad_mac");
      return null;
    }
    if (Math.abs(clock.getAsLong() - time) > WINDOW_MS) {
      rejected.accept("stale");
      return null;
    }
    return payload;
  }

  /** A reply to the sealed {@code request}: it opens only with {@link #openReply} for that request. */
  public Buffer sealReply(Buffer request, Buffer payload) {
    return seal(replyScope(request), payload);
  }

  /** The payload of a reply to the sealed {@code request}, or null (refused and counted). */
  public Buffer openReply(Buffer request, Object reply) {
    return open(replyScope(request), reply);
  }

  /**
   * A keyed hash of an id ({@code purpose} names what the id is, so equal ids of two kinds hash
   * apart): what shared maps hold instead of the id. Same secret, same hash, on every node.
   */
  public String keyedHash(String purpose, String id) {
    Mac mac = hashMac.get();
    update(mac, purpose);
    update(mac, id);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
  }

  /** {@code value} with a MAC bound to the map and the key, as a grid value. */
  public String signValue(String map, String key, String value) {
    return value + "." + valueTag(map, key, value);
  }

  /** The value a {@link #signValue} result carries, or null (refused and counted) if it does not verify. */
  public String verifyValue(String map, String key, String signed) {
    int dot = signed == null ? -1 : signed.lastIndexOf('.');
    if (dot >= 0) {
      String value = signed.substring(0, dot);
      byte[] given = signed.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
      if (MessageDigest.isEqual(valueTag(map, key, value).getBytes(StandardCharsets.US_ASCII), given)) {
        return value;
      }
    }
    rejected.accept("bad_value");
    return null;
  }

  /**
   * The tag of a channel broadcast that carries a stream position: a MAC over the channel, every
   * header but the tag itself (sorted, so the order headers cross the wire in does not matter) and
   * the body's JSON text. Without a time: a broadcast replayed later names an offset its receivers
   * have already delivered, and they drop it as stale.
   */
  public String broadcastTag(String channel, MultiMap headers, String bodyJson) {
    Mac mac = broadcastMac.get();
    update(mac, channel);
    List<Map.Entry<String, String>> entries = new ArrayList<>();
    for (Map.Entry<String, String> e : headers) {
      if (!BROADCAST_TAG.equalsIgnoreCase(e.getKey())) {
        entries.add(e);
      }
    }
    entries.sort(Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue()));
    for (Map.Entry<String, String> e : entries) {
      update(mac, e.getKey());
      update(mac, e.getValue());
    }
    update(mac, bodyJson);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
  }

  /**
   * Whether a received broadcast carries the tag {@link #broadcastTag} gives it; if not, it is
   * refused and counted ({@code bad_broadcast}).
   */
  public boolean verifyBroadcast(String channel, MultiMap headers, String bodyJson) {
    String given = headers.get(BROADCAST_TAG);
    if (given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.US_ASCII),
        broadcastTag(channel, headers, bodyJson).getBytes(StandardCharsets.US_ASCII))) {
      return true;
    }
    rejected.accept("bad_broadcast");
    return false;
  }

  private String valueTag(String map, String key, String value) {
    Mac mac = valueMac.get();
    update(mac, map);
    update(mac, key);
    update(mac, value);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
  }

  private static String replyScope(Buffer request) {
    int end = Math.min(request.length(), HEADER_BYTES);
    return "reply:" + HexFormat.of().formatHex(request.getBytes(Math.min(9, end), end));
  }

  private byte[] mac(String address, long time, Buffer payload) {
    Mac mac = messageMac.get();
    update(mac, address);
    for (int shift = 56; shift >= 0; shift -= 8) {
      mac.update((byte) (time >>> shift));
    }
    mac.update(payload.getBytes());
    return mac.doFinal();
  }

  /** A length-prefixed field, so no two sequences of fields feed the MAC the same bytes. */
  private static void update(Mac mac, String field) {
    byte[] b = field.getBytes(StandardCharsets.UTF_8);
    mac.update((byte) (b.length >>> 24));
    mac.update((byte) (b.length >>> 16));
    mac.update((byte) (b.length >>> 8));
    mac.update((byte) b.length);
    mac.update(b);
  }

  /** One key per purpose: HMAC(secret, "dev.gateway.cluster/" + purpose). */
  private static byte[] derive(byte[] secret, String purpose) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(("dev.gateway.cluster/" + purpose).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static ThreadLocal<Mac> macFor(byte[] key) {
    SecretKeySpec spec = new SecretKeySpec(key, "HmacSHA256");
    return ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(spec);
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    });
  }
}
