package dev.gateway.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Token revocations in the cluster's data grid: a Hazelcast map from the keyed hash of a token id
 * to the time until which it is revoked, with a MAC ({@link ClusterSeal#signValue}) over the key
 * and that time, and the remaining lifetime as the entry's TTL. Nothing evicts entries (the map
 * has no size policy): they leave when they expire.
 *
 * <p>Guarantees: {@link #start} hands every verified entry to the node before it completes and
 * every entry added, updated or merged later as the grid reports it (on Hazelcast's event
 * threads); values that do not verify are never handed over (counted as {@code bad_value}).
 * {@link #put} stores a revocation only while the grid holds fewer than the bound (a revocation
 * already held is always updated). Hazelcast calls run on worker threads, never on an event
 * loop.
 *
 * <p>Not guaranteed: the grid has no access control (Hazelcast's open-source edition), so anyone
 * on the cluster network can delete entries; a node that already knew one keeps it.
 */
public final class GridRevocations {

  /** The Hazelcast map of revocations. */
  public static final String MAP = "gateway.revocations";

  /** The Hazelcast map of user bans ({@code POST /api/users/disconnect} with a ban). */
  public static final String BANS_MAP = "gateway.user.bans";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final String mapName;
  private final ClusterSeal seal;
  private int max;

  public GridRevocations(Vertx vertx, HazelcastInstance hazelcast, ClusterSeal seal) {
    this(vertx, hazelcast, seal, MAP);
  }

  /**
   * The same kind of map under another name: keyed hashes of ids (user ids for
   * {@link #BANS_MAP}) refused until a time, with the same guarantees.
   */
  public GridRevocations(Vertx vertx, HazelcastInstance hazelcast, ClusterSeal seal,
                         String mapName) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(mapName);
    this.mapName = mapName;
    this.seal = seal;
  }

  /** Follows the map, then loads what it holds; {@code revoked} gets (key, until) of each entry. */
  public Future<Void> start(int maxRevocations, BiConsumer<String, Long> revoked) {
    this.max = maxRevocations;
    return vertx.executeBlocking(() -> {
      map.addEntryListener(new Listener(revoked), true);
      for (Map.Entry<String, String> e : map.entrySet()) {
        accept(e.getKey(), e.getValue(), revoked);
      }
      return null;
    }, false);
  }

  /**
   * Stores a revocation of {@code key} until {@code until} (epoch ms); false, and nothing
   * stored, when the grid holds the bound already and not this key.
   */
  public Future<Boolean> put(String key, long until) {
    return vertx.executeBlocking(() -> {
      String held = map.get(key);
      Long heldUntil = held == null ? null : untilOf(key, held);
      if (heldUntil != null && heldUntil >= until) {
        return true;
      }
      if (heldUntil == null && map.size() >= max) {
        return false;
      }
      long ttl = until - System.currentTimeMillis();
      if (ttl > 0) {
        map.put(key, seal.signValue(mapName, key, Long.toString(until)), ttl, TimeUnit.MILLISECONDS);
      }
      return true;
    }, false);
  }

  private void accept(String key, String value, BiConsumer<String, Long> revoked) {
    Long until = untilOf(key, value);
    if (until != null) {
      revoked.accept(key, until);
    }
  }

  /** The time a value says, or null (counted) when it does not verify. */
  private Long untilOf(String key, String value) {
    String until = seal.verifyValue(mapName, key, value);
    if (until == null) {
      return null;
    }
    try {
      return Long.parseLong(until);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private final class Listener implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryMergedListener<String, String> {

    private final BiConsumer<String, Long> revoked;

    Listener(BiConsumer<String, Long> revoked) {
      this.revoked = revoked;
    }

    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      accept(event.getKey(), event.getValue(), revoked);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      accept(event.getKey(), event.getValue(), revoked);
    }

    @Override
    public void entryMerged(EntryEvent<String, String> event) {
      if (event.getValue() != null) {
        accept(event.getKey(), event.getValue(), revoked);
      }
    }
  }
}
