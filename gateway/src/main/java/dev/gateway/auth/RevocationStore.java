package dev.gateway.auth;

import dev.gateway.cluster.ClusterSeal;
import dev.gateway.cluster.GridRevocations;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The token revocations this node enforces.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>{@link #isRevoked} answers from this node's memory, never waiting on the cluster: a
 *   lookup of the token id's keyed hash ({@link ClusterSeal#keyedHash}), so no token id is kept
 *   or shared in clear.</li>
 *   <li>A revocation holds until the token's expiry plus the leeway (a day when the token has no
 *   expiry given), then it is forgotten.</li>
 *   <li>At most {@code auth.maxRevocations} are held; at the bound a new one is refused
 *   ({@link LimitReached}), an old one is never dropped to make room.</li>
 *   <li>On a cluster ({@link #useGrid}) revocations live in the data grid with the remaining
 *   lifetime as their TTL and a MAC on each value: a node loads them when it starts (before it
 *   serves), follows the grid's entry events and the revoke notices of other nodes, and ignores
 *   values that do not verify. The bound is the grid's count, checked before each write; a few
 *   revocations made at the same moment on several nodes may pass it by at most their number.</li>
 * </ul>
 * A single node keeps the same semantics in memory. Thread-safe.
 */
public final class RevocationStore {

  /** A new revocation refused: {@code auth.maxRevocations} are held. */
  public static final class LimitReached extends RuntimeException {
    LimitReached(int max) {
      super("the gateway already holds " + max + " revocations (auth.maxRevocations)");
    }
  }

  /** Kept this long when the revoke request gives no expiry. */
  static final long DEFAULT_TTL_MS = 86_400_000L;
  private static final String PURPOSE = "jti";

  private final ClusterSeal seal;
  private final int max;
  private final long leewayMs;
  private final GatewayMetrics metrics;
  private final LongSupplier clock = System::currentTimeMillis;
  /** Keyed hash of a token id to the time (epoch ms) until which it is refused. */
  private final Map<String, Long> revoked = new ConcurrentHashMap<>();
  private volatile GridRevocations grid;

  public RevocationStore(ClusterSeal seal, int maxRevocations, int leewaySeconds,
                         GatewayMetrics metrics) {
    this.seal = seal;
    this.max = maxRevocations;
    this.leewayMs = leewaySeconds * 1000L;
    this.metrics = metrics;
    metrics.gauge("gateway.revocations", "Token revocations this node holds (not yet expired)",
        revoked::size);
  }

  /** On a cluster: keeps revocations in the grid; completes once the grid's are loaded here. */
  public Future<Void> useGrid(GridRevocations grid) {
    this.grid = grid;
    return grid.start(max, this::remember);
  }

  /**
   * Revokes a token id until {@code expiresAtMillis} (its {@code exp}; 0: a day) plus the
   * leeway. Fails with {@link LimitReached} at the bound; on a cluster, once the grid has it.
   */
  public Future<Void> revoke(String jti, long expiresAtMillis) {
    long now = clock.getAsLong();
    long until = (expiresAtMillis > 0 ? expiresAtMillis : now + DEFAULT_TTL_MS) + leewayMs;
    if (until <= now) {
      return Future.succeededFuture(); // refused as expired anyway
    }
    String key = seal.keyedHash(PURPOSE, jti);
    GridRevocations g = grid;
    if (g != null) {
      return g.put(key, until).compose(stored -> {
        if (!stored) {
          return refuse();
        }
        remember(key, until);
        return Future.succeededFuture();
      });
    }
    synchronized (this) {
      if (!revoked.containsKey(key) && revoked.size() >= max) {
        purge();
        if (revoked.size() >= max) {
          return refuse();
        }
      }
      remember(key, until);
    }
    return Future.succeededFuture();
  }

  public boolean isRevoked(String jti) {
    Long until = revoked.get(seal.keyedHash(PURPOSE, jti));
    return until != null && until >= clock.getAsLong();
  }

  /**
   * The notice that tells every node (this one included) to close the token's connections:
   * {@code {"jti","until"}}, sealed for {@code address}.
   */
  public Buffer notice(String address, String jti, long expiresAtMillis) {
    long until = (expiresAtMillis > 0 ? expiresAtMillis : clock.getAsLong() + DEFAULT_TTL_MS)
        + leewayMs;
    return seal.seal(address, new JsonObject().put("jti", jti).put("until", until).toBuffer());
  }

  /**
   * A notice received at {@code address}: the revoked token id once its seal verified (the
   * revocation is remembered here too), or null for anything else (dropped and counted).
   */
  public String onNotice(String address, Object body) {
    Buffer payload = seal.open(address, body);
    if (payload == null) {
      return null;
    }
    try {
      JsonObject n = new JsonObject(payload);
      String jti = n.getString("jti");
      remember(seal.keyedHash(PURPOSE, jti), n.getLong("until", 0L));
      return jti;
    } catch (DecodeException | ClassCastException | NullPointerException e) {
      return null;
    }
  }

  /** Forgets revocations whose token has expired. */
  public void purge() {
    long now = clock.getAsLong();
    revoked.values().removeIf(until -> until < now);
  }

  /** Holds a revocation known to be valid (made here, or verified from the grid or a notice). */
  private void remember(String key, long until) {
    if (until >= clock.getAsLong()) {
      revoked.merge(key, until, Math::max);
    }
  }

  private Future<Void> refuse() {
    metrics.revocationRefused();
    return Future.failedFuture(new LimitReached(max));
  }
}
