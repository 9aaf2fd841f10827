package dev.gateway.cluster;

import com.hazelcast.config.Config;
import io.vertx.core.Completable;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hazelcast cluster manager whose node's event bus always routes to the node's own completed
 * registrations: a consumer whose {@code completion()} has fired receives what this node
 * publishes to its address from then on.
 *
 * <p>Why: Vert.x's clustered event bus routes a publish with a per-address list of subscribed
 * nodes cached by its node selector ({@code DefaultNodeSelector}). vertx-hazelcast (5.0.10)
 * refreshes that cache only from Hazelcast entry events on {@code __vertx.subs}, which arrive
 * asynchronously and are throttled ({@code Throttling}: at most one refresh per address every
 * 20 ms), while {@code addRegistration} completes as soon as the entry is in the map. So when a
 * node re-subscribes to an address that other nodes still hold (its cached list is
 * "other nodes only"), a publish made on this node right after the registration completed goes
 * to the other nodes only, and the node's own new subscribers never get it. Connection churn on
 * a channel spread over several nodes hits this window (ChurnDeliveryIT).
 *
 * <p>How: every registration list handed to the node selector (entry-event refreshes and the
 * initial {@link #getRegistrations} reads) passes through here and has this node's entries
 * completed by the ones this node knows to be complete; when a registration completes, the
 * selector is updated before the completion is signalled. Hand-overs are serialised, so the
 * selector never gets an older list after a newer one from here. Other nodes' entries are left
 * as Hazelcast reports them: their refresh stays eventually consistent, as upstream (a node
 * publishing right after another node's registration completed may still miss that node).
 */
public final class SelfAwareClusterManager extends HazelcastClusterManager {

  private final Object lock = new Object();
  /** This node's registrations whose add completed and whose removal has not started. */
  private final Map<String, Set<RegistrationInfo>> own = new HashMap<>();
  /** The cluster's registrations per address as last reported, while the selector caches a list. */
  private final Map<String, List<RegistrationInfo>> reportedLists = new HashMap<>();
  private volatile RegistrationListener selector;

  public SelfAwareClusterManager(Config config) {
    super(config);
  }

  @Override
  public void registrationListener(RegistrationListener listener) {
    this.selector = listener;
    super.registrationListener(new RegistrationListener() {
      @Override
      public void registrationsUpdated(RegistrationUpdateEvent event) {
        synchronized (lock) {
          List<RegistrationInfo> merged = merge(event.address(), event.registrations());
          listener.registrationsUpdated(new RegistrationUpdateEvent(event.address(), merged));
        }
      }

      @Override
      public void registrationsLost() {
        listener.registrationsLost();
      }

      @Override
      public boolean wantsUpdatesFor(String address) {
        return listener.wantsUpdatesFor(address);
      }
    });
  }

  @Override
  public void addRegistration(String address, RegistrationInfo info, Completable<Void> promise) {
    super.addRegistration(address, info, (v, err) -> {
      if (err == null) {
        synchronized (lock) {
          own.computeIfAbsent(address, a -> new LinkedHashSet<>()).add(info);
          List<RegistrationInfo> known = reportedLists.get(address);
          // the selector caches a list for the address: make it include this registration now.
          // (No list known: none cached, or its initial read is in flight and is merged below.)
          if (known != null && selector.wantsUpdatesFor(address)) {
            selector.registrationsUpdated(new RegistrationUpdateEvent(address, merge(address, known)));
          }
        }
      }
      promise.complete(v, err);
    });
  }

  @Override
  public void removeRegistration(String address, RegistrationInfo info, Completable<Void> promise) {
    synchronized (lock) {
      Set<RegistrationInfo> mine = own.get(address);
      if (mine != null && mine.remove(info) && mine.isEmpty()) {
        own.remove(address);
      }
    }
    super.removeRegistration(address, info, promise);
  }

  @Override
  public void getRegistrations(String address, Completable<List<RegistrationInfo>> promise) {
    super.getRegistrations(address, (list, err) -> {
      if (err != null) {
        promise.fail(err);
        return;
      }
      List<RegistrationInfo> merged;
      synchronized (lock) {
        merged = merge(address, list);
      }
      promise.succeed(merged); // outside the lock: completing it routes the sends waiting for it
    });
  }

  /**
   * The registrations as reported plus this node's complete ones (entries of this node still
   * being added or removed are kept as reported: routing to this node then only reaches the
   * handlers it has, as upstream). Remembers the reported list while the selector caches one.
   */
  private List<RegistrationInfo> merge(String address, List<RegistrationInfo> reported) {
    Set<RegistrationInfo> mine = own.get(address);
    List<RegistrationInfo> merged = reported;
    if (mine != null) {
      Set<RegistrationInfo> union = new LinkedHashSet<>(reported);
      union.addAll(mine);
      merged = new ArrayList<>(union);
    }
    if (merged.isEmpty() || !selector.wantsUpdatesFor(address)) {
      // an empty list makes the selector drop the address: nothing cached to keep up to date
      reportedLists.remove(address);
    } else {
      reportedLists.put(address, reported);
    }
    return merged;
  }
}
