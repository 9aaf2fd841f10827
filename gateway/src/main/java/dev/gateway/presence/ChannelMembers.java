package dev.gateway.presence;

import dev.gateway.connection.Connection;
import io.vertx.core.Context;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The presence of one channel on one node: every member the node knows of (its own and, on a
 * cluster, the other nodes'), in client-id order; its distinct users; the join and leave events
 * waiting for the next interval; and the node's watchers (connections that asked for events),
 * grouped by event loop. Confined to the {@link Presence} context.
 *
 * <p>Events: at most one waits per member. A join and a leave of the same member waiting
 * together cancel out (the watchers never saw the one, or already see the member present), so
 * what watchers receive per member alternates join, leave, join, ... and starts with a join for
 * a member that joined after they started watching.
 */
final class ChannelMembers {

  /** A join ({@code join} true) or leave waiting to be sent. */
  record Event(boolean join, Member member) {
  }

  final String name;
  private final TreeMap<String, Member> members = new TreeMap<>();
  private final Map<String, Integer> users = new HashMap<>();
  private final LinkedHashMap<String, Event> pending = new LinkedHashMap<>();
  final Map<Context, Set<Connection>> watchers = new HashMap<>();
  private int watcherCount;
  /** Members changed since the last interval (for the counts event). */
  boolean changed;

  ChannelMembers(String name) {
    this.name = name;
  }

  int size() {
    return members.size();
  }

  int users() {
    return users.size();
  }

  Member get(String client) {
    return members.get(client);
  }

  /** Members after {@code cursor} (all when null), in client-id order. */
  NavigableMap<String, Member> after(String cursor) {
    return cursor == null ? members : members.tailMap(cursor, false);
  }

  /** Adds or replaces a member; returns the member it replaced, or null when it is new. */
  Member put(Member m) {
    Member old = members.put(m.client(), m);
    if (old != null) {
      forgetUser(old.user());
    }
    if (m.user() != null) {
      users.merge(m.user(), 1, Integer::sum);
    }
    changed = true;
    return old;
  }

  /** Removes a member; returns it, or null when it was not one. */
  Member remove(String client) {
    Member old = members.remove(client);
    if (old != null) {
      forgetUser(old.user());
      changed = true;
    }
    return old;
  }

  private void forgetUser(String user) {
    if (user != null) {
      users.computeIfPresent(user, (u, n) -> n == 1 ? null : n - 1);
    }
  }

  /**
   * Records an event for the watchers; returns how many waiting events it cancelled (counted
   * as coalesced: 2 for a pair, else 0). Nothing is kept while nobody watches.
   */
  int event(boolean join, Member m) {
    if (watcherCount == 0) {
      return 0;
    }
    Event waiting = pending.remove(m.client());
    if (waiting != null && waiting.join() != join) {
      return 2;
    }
    pending.put(m.client(), new Event(join, m));
    return 0;
  }

  int pendingCount() {
    return pending.size();
  }

  /** Takes up to {@code max} waiting events, oldest first, into {@code out}. */
  void take(int max, List<Event> out) {
    Iterator<Event> it = pending.values().iterator();
    while (it.hasNext() && out.size() < max) {
      out.add(it.next());
      it.remove();
    }
  }

  /** Drops every waiting event (counts-only mode, or nobody watches); returns how many. */
  int dropPending() {
    int n = pending.size();
    pending.clear();
    return n;
  }

  boolean watch(Connection c) {
    boolean added = watchers.computeIfAbsent(c.context(), k -> new LinkedHashSet<>()).add(c);
    if (added) {
      watcherCount++;
    }
    return added;
  }

  boolean unwatch(Connection c) {
    Set<Connection> set = watchers.get(c.context());
    if (set == null || !set.remove(c)) {
      return false;
    }
    if (set.isEmpty()) {
      watchers.remove(c.context());
    }
    watcherCount--;
    return true;
  }

  int watcherCount() {
    return watcherCount;
  }

  /** Nothing left to hold: no member, no watcher, no event. */
  boolean isEmpty() {
    return members.isEmpty() && watcherCount == 0 && pending.isEmpty();
  }
}
