package dev.gateway.user;

import dev.gateway.cluster.ClusterSeal;
import dev.gateway.cluster.GridRevocations;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The user bans this node enforces: a banned user's tokens are refused at the handshake and on
 * a token refresh until the ban ends ({@code POST /api/users/disconnect} with {@code banSeconds}).
 *
 * <p>Guarantees, as for token revocations ({@link dev.gateway.auth.RevocationStore}):
 * <ul>
 *   <li>{@link #isBanned} answers from this node's memory, never waiting on the cluster: a
 *   lookup of the user id's keyed hash ({@link ClusterSeal#keyedHash}), so no user id is kept or
 *   shared in clear.</li>
 *   <li>A ban holds until its end, then it is forgotten; a second ban of the same user keeps the
 *   later end.</li>
 *   <li>At most {@code users.maxBans} are held; at the bound a new one is refused
 *   ({@link LimitReached}), an old one is never dropped to make room.</li>
 *   <li>On a cluster ({@link #useGrid}) bans live in the data grid ({@link GridRevocations#BANS_MAP})
 *   with the remaining time as their TTL and a MAC on each value: a node loads them when it
 *   starts, follows the grid's entry events and the sealed disconnect commands of other nodes,
 *   and ignores values that do not verify.</li>
 * </ul>
 * Thread-safe.
 */
public final class UserBans {

  /** A new ban refused: {@code users.maxBans} are held. */
  public static final class LimitReached extends RuntimeException {
    LimitReached(int max) {
      super("the gateway already holds " + max + " user bans (users.maxBans)");
    }
  }

  private static final String PURPOSE = "user";

  private final ClusterSeal seal;
  private final int max;
  private final GatewayMetrics metrics;
  private final LongSupplier clock = System::currentTimeMillis;
  /** Keyed hash of a user id to the time (epoch ms) until which its tokens are refused. */
  private final Map<String, Long> banned = new ConcurrentHashMap<>();
  private volatile GridRevocations grid;

  public UserBans(ClusterSeal seal, int maxBans, GatewayMetrics metrics) {
    this.seal = seal;
    this.max = maxBans;
    this.metrics = metrics;
    metrics.gauge("gateway.user.bans", "User bans this node holds and enforces (not yet ended)",
        banned::size);
  }

  /** On a cluster: keeps bans in the grid; completes once the grid's are loaded here. */
  public Future<Void> useGrid(GridRevocations grid) {
    this.grid = grid;
    return grid.start(max, this::rememberKey);
  }

  /**
   * Bans a user until {@code untilMillis} (epoch ms). Fails with {@link LimitReached} at the
   * bound; on a cluster, completes once the grid has it.
   */
  public Future<Void> ban(String user, long untilMillis) {
    String key = seal.keyedHash(PURPOSE, user);
    GridRevocations g = grid;
    if (g != null) {
      return g.put(key, untilMillis).compose(stored -> {
        if (!stored) {
          return refuse();
        }
        rememberKey(key, untilMillis);
        return Future.succeededFuture();
      });
    }
    synchronized (this) {
      if (!banned.containsKey(key) && banned.size() >= max) {
        purge();
        if (banned.size() >= max) {
          return refuse();
        }
      }
      rememberKey(key, untilMillis);
    }
    return Future.succeededFuture();
  }

  /** Whether the user's tokens are refused now. */
  public boolean isBanned(String user) {
    Long until = banned.get(seal.keyedHash(PURPOSE, user));
    return until != null && until >= clock.getAsLong();
  }

  /** Holds a ban read from a verified command of another node (it is in the grid already). */
  void remember(String user, long untilMillis) {
    rememberKey(seal.keyedHash(PURPOSE, user), untilMillis);
  }

  /** Forgets bans that ended. */
  public void purge() {
    long now = clock.getAsLong();
    banned.values().removeIf(until -> until < now);
  }

  private void rememberKey(String key, long until) {
    if (until >= clock.getAsLong()) {
      banned.merge(key, until, Math::max);
    }
  }

  private Future<Void> refuse() {
    metrics.userBanRefused();
    return Future.failedFuture(new LimitReached(max));
  }
}
