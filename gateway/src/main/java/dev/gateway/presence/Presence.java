package dev.gateway.presence;

import dev.gateway.auth.Grant;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.ClientMessage;
import dev.gateway.protocol.Outbound;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is registered to each presence channel ({@code presence.channels}), on this node and, on a
 * cluster, on every node ({@link PresenceCluster}); join and leave events for the connections
 * that watch a channel; the answers to {@code presence} and {@code presence_stats}.
 *
 * <p>Entry points, callable from any event loop: {@link #join} and {@link #leave} (a connection
 * completed a register of a channel, or left it by any way: unregister, a refreshed token, its
 * close; server-side subscriptions call the same two), {@link #watch}, {@link #page} and
 * {@link #stats}. Every one hops onto this verticle's context, which alone holds the state; so
 * calls from one event loop take effect in the order they were made, and a query made after a
 * join sees it.
 *
 * <p>Guarantees: a page lists members in client-id order after its cursor, so a walk with the
 * cursors it is given returns no member twice, whatever joins and leaves meanwhile (members that
 * join behind the cursor are missed by that walk: the events tell a watcher about them). Events
 * are sent once per interval ({@code presence.intervalMs}) per channel, at most
 * {@code presence.maxEventsPerInterval} of them (the rest wait, in order), each encoded once and
 * written to every watcher: a join costs one message per watcher at most, never one per member
 * pair, and none above {@code presence.countsOnlyAbove} members, where one {@code counts} event
 * per interval replaces them. Per member, a watcher sees join and leave alternate. Members held
 * (own and replicated) stay at or below {@code presence.maxMembersPerNode}: past it a member is
 * not listed, and counted.
 */
public final class Presence extends VerticleBase {

  /** A page of members holds at most about this many bytes, whatever its limit. */
  public static final int PAGE_BYTES = 256 * 1024;

  private final PresenceRules rules;
  private final GatewayConfig.Presence config;
  private final GatewayMetrics metrics;
  private final String nodeId;
  private final Map<String, ChannelMembers> channels = new HashMap<>();
  /** Channels in counts-only mode (read by event loops for register acks). */
  private final Set<String> countsOnly = ConcurrentHashMap.newKeySet();
  /** Channels with changes or waiting events since the last interval. */
  private final Set<ChannelMembers> dirty = new LinkedHashSet<>();
  /** Per node, per channel: the clients of that node in that channel. */
  private final Map<String, Map<String, Set<String>>> byNode = new HashMap<>();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger pendingEvents = new AtomicInteger();
  private final com.hazelcast.core.HazelcastInstance hazelcast;
  private final dev.gateway.cluster.ClusterSeal seal;
  private Context presenceContext;
  private PresenceCluster cluster;

  /**
   * {@code nodeId}: this node's id in the cluster (Hazelcast's member id; any fixed name on a
   * single node); {@code hazelcast} null on a single node, else the cluster whose members'
   * presence this node shares, with messages sealed by {@code seal}.
   */
  public Presence(GatewayConfig.Presence config, GatewayMetrics metrics, String nodeId,
                  com.hazelcast.core.HazelcastInstance hazelcast, dev.gateway.cluster.ClusterSeal seal) {
    this.hazelcast = hazelcast;
    this.seal = seal;
    this.config = config;
    this.rules = new PresenceRules(config.channels());
    this.metrics = metrics;
    this.nodeId = nodeId;
  }

  @Override
  public Future<?> start() {
    presenceContext = context;
    metrics.gauge("gateway.presence.members", "Presence members this node holds: its own and"
        + " its copy of the other nodes'", held::get);
    metrics.gauge("gateway.presence.pending.events", "Join and leave events waiting for their"
        + " channel's next interval (at most one per member)", pendingEvents::get);
    vertx.setPeriodic(config.intervalMs(), t -> flush());
    if (hazelcast == null) {
      return Future.succeededFuture();
    }
    cluster = new PresenceCluster(this, vertx, context, hazelcast, seal, metrics.registry());
    return cluster.start();
  }

  @Override
  public Future<?> stop() {
    return cluster == null ? Future.succeededFuture() : cluster.stop();
  }

  /** Whether the channel has presence. Thread-safe. */
  public boolean covers(String channel) {
    return rules.covers(channel);
  }

  /**
   * What a watcher of the channel gets, for its register ack: {@code members} (join and leave
   * events), {@code counts} (counts events only) or {@code off} (no presence). Thread-safe.
   */
  public String mode(String channel) {
    return !covers(channel) ? "off" : countsOnly.contains(channel) ? "counts" : "members";
  }

  /** The connection completed a register of the channel: it is a member from now on. */
  public void join(Connection c, String channel) {
    if (!covers(channel)) {
      return;
    }
    Grant g = c.grant();
    Member m = new Member(c.clientId(), c.user(), g == null ? null : g.info(), nodeId);
    c.onChannelLeft(this::leave);
    presenceContext.runOnContext(v -> {
      if (addMember(nodeId, channel, m) && cluster != null) {
        cluster.changed(channel, m, true);
      }
    });
  }

  /**
   * The connection's token was refreshed with another {@code info}: where it is a member, the
   * member now carries the new info, here and on the other nodes (no join or leave event: the
   * same client stays).
   */
  public void infoChanged(Connection c, java.util.Collection<String> subscribed) {
    Grant g = c.grant();
    Member m = new Member(c.clientId(), c.user(), g == null ? null : g.info(), nodeId);
    List<String> covered = subscribed.stream().filter(this::covers).toList();
    if (covered.isEmpty()) {
      return;
    }
    presenceContext.runOnContext(v -> {
      for (String channel : covered) {
        ChannelMembers ch = channels.get(channel);
        Member old = ch == null ? null : ch.get(m.client());
        if (old != null && old.node().equals(nodeId) && addMember(nodeId, channel, m)
            && cluster != null) {
          cluster.changed(channel, m, true);
        }
      }
    });
  }

  /** The connection left the channel (any way): no longer a member, nor a watcher. */
  public void leave(Connection c, String channel) {
    if (!covers(channel)) {
      return;
    }
    String client = c.clientId();
    presenceContext.runOnContext(v -> {
      ChannelMembers ch = channels.get(channel);
      if (ch == null) {
        return;
      }
      ch.unwatch(c);
      Member m = ch.get(client);
      if (m != null && m.node().equals(nodeId)) {
        removeMember(nodeId, channel, client);
        if (cluster != null) {
          cluster.changed(channel, m, false);
        }
      }
      if (ch.watcherCount() == 0) {
        pendingEvents.addAndGet(-ch.dropPending());
      }
      forgetIfEmpty(ch);
    });
  }

  /** The connection gets the channel's events from the next interval on. */
  public void watch(Connection c, String channel) {
    if (!covers(channel)) {
      return;
    }
    c.onChannelLeft(this::leave);
    presenceContext.runOnContext(v -> {
      if (!c.isClosed() && c.channels().contains(channel)) {
        channels.computeIfAbsent(channel, ChannelMembers::new).watch(c);
      }
    });
  }

  /** Answers a {@code presence} request (permission already checked) on the connection's loop. */
  public void page(Connection c, ClientMessage.Presence p) {
    presenceContext.runOnContext(v -> {
      metrics.presenceQuery("presence");
      ChannelMembers ch = channels.get(p.address());
      List<Member> page = new ArrayList<>(Math.min(p.limit(), ch == null ? 0 : ch.size()));
      boolean more = false;
      if (ch != null) {
        int bytes = 0;
        for (Member m : ch.after(p.cursor()).values()) {
          if (page.size() == p.limit() || (bytes + m.size() > PAGE_BYTES && !page.isEmpty())) {
            more = true;
            break;
          }
          page.add(m);
          bytes += m.size();
        }
      }
      String next = more ? page.get(page.size() - 1).client() : null;
      byte[] answer = PresenceAnswer.page(p.ack(), p.address(), page, next);
      reply(c, answer);
    });
  }

  /** Answers a {@code presence_stats} request (permission already checked). */
  public void stats(Connection c, ClientMessage.PresenceStats s) {
    presenceContext.runOnContext(v -> {
      metrics.presenceQuery("presence_stats");
      ChannelMembers ch = channels.get(s.address());
      reply(c, PresenceAnswer.stats(s.ack(), s.address(), ch == null ? 0 : ch.size(),
          ch == null ? 0 : ch.users()));
    });
  }

  private static void reply(Connection c, byte[] answer) {
    c.context().runOnContext(x -> c.reply(Outbound.direct(answer)));
  }

  // ---- state, on this context only (also called by PresenceCluster) ----

  /** This node's id in presence messages (the Vert.x node id on a cluster). */
  public String nodeId() {
    return nodeId;
  }

  /** Adds a member of {@code node}; false when it is not held (at the bound) or known already. */
  boolean addMember(String node, String channel, Member m) {
    ChannelMembers ch = channels.computeIfAbsent(channel, ChannelMembers::new);
    Member existing = ch.get(m.client());
    if (existing == null && held.get() >= config.maxMembersPerNode()) {
      metrics.presenceRefused();
      forgetIfEmpty(ch);
      return false;
    }
    Member old = ch.put(m);
    if (old != null && !old.node().equals(node)) {
      unindex(old.node(), channel, old.client());
    }
    byNode.computeIfAbsent(node, k -> new HashMap<>())
        .computeIfAbsent(channel, k -> new HashSet<>()).add(m.client());
    if (old == null) {
      held.incrementAndGet();
      eventFor(ch, true, m);
    }
    dirty.add(ch);
    return true;
  }

  /** Removes a member of {@code node}; false when it was none. */
  boolean removeMember(String node, String channel, String client) {
    ChannelMembers ch = channels.get(channel);
    Member m = ch == null ? null : ch.get(client);
    if (m == null || !m.node().equals(node)) {
      return false;
    }
    ch.remove(client);
    held.decrementAndGet();
    unindex(node, channel, client);
    eventFor(ch, false, m);
    dirty.add(ch);
    forgetIfEmpty(ch);
    return true;
  }

  /** Every member of {@code node} leaves (the node is gone, or is replaced by a snapshot). */
  void dropNode(String node) {
    Map<String, Set<String>> of = byNode.remove(node);
    if (of == null) {
      return;
    }
    for (Map.Entry<String, Set<String>> e : of.entrySet()) {
      ChannelMembers ch = channels.get(e.getKey());
      if (ch == null) {
        continue;
      }
      for (String client : e.getValue()) {
        Member m = ch.remove(client);
        if (m != null) {
          held.decrementAndGet();
          eventFor(ch, false, m);
        }
      }
      dirty.add(ch);
      forgetIfEmpty(ch);
    }
  }

  /**
   * {@code node}'s members become exactly {@code now} (a snapshot): those not in it leave, the
   * new ones join, the others are replaced without an event.
   */
  void replaceNode(String node, Map<String, List<Member>> now) {
    Map<String, List<Member>> before = membersOf(node);
    for (Map.Entry<String, List<Member>> e : before.entrySet()) {
      Set<String> keep = new HashSet<>();
      for (Member m : now.getOrDefault(e.getKey(), List.of())) {
        keep.add(m.client());
      }
      for (Member m : e.getValue()) {
        if (!keep.contains(m.client())) {
          removeMember(node, e.getKey(), m.client());
        }
      }
    }
    now.forEach((channel, list) -> list.forEach(m -> addMember(node, channel, m)));
  }

  /** The members of {@code node}, per channel (what it holds of its own, for a snapshot). */
  Map<String, List<Member>> membersOf(String node) {
    Map<String, List<Member>> out = new HashMap<>();
    Map<String, Set<String>> of = byNode.get(node);
    if (of != null) {
      of.forEach((channel, clients) -> {
        ChannelMembers ch = channels.get(channel);
        List<Member> list = new ArrayList<>(clients.size());
        for (String client : clients) {
          list.add(ch.get(client));
        }
        out.put(channel, list);
      });
    }
    return out;
  }

  private void unindex(String node, String channel, String client) {
    Map<String, Set<String>> of = byNode.get(node);
    Set<String> set = of == null ? null : of.get(channel);
    if (set != null && set.remove(client) && set.isEmpty()) {
      of.remove(channel);
      if (of.isEmpty()) {
        byNode.remove(node);
      }
    }
  }

  private void eventFor(ChannelMembers ch, boolean join, Member m) {
    int before = ch.pendingCount();
    int cancelled = ch.event(join, m);
    pendingEvents.addAndGet(ch.pendingCount() - before);
    if (cancelled > 0) {
      metrics.presenceEventsCoalesced(cancelled);
    }
  }

  private void forgetIfEmpty(ChannelMembers ch) {
    if (ch.isEmpty()) {
      channels.remove(ch.name);
      countsOnly.remove(ch.name);
    }
  }

  /** Once per interval: each changed channel's events (or counts) go to its watchers. */
  private void flush() {
    if (cluster != null) {
      cluster.flush();
    }
    if (dirty.isEmpty()) {
      return;
    }
    List<ChannelMembers> work = new ArrayList<>(dirty);
    dirty.clear();
    List<ChannelMembers.Event> events = new ArrayList<>();
    for (ChannelMembers ch : work) {
      if (ch.size() > config.countsOnlyAbove()) {
        countsOnly.add(ch.name);
        int dropped = ch.dropPending();
        pendingEvents.addAndGet(-dropped);
        metrics.presenceEventsDropped("counts_only", (long) dropped * ch.watcherCount());
        if (ch.changed && ch.watcherCount() > 0) {
          send(ch, new Outbound[] {new Outbound(PresenceAnswer.counts(ch.name, ch.size(),
              ch.users()), 0, false)});
        }
      } else {
        countsOnly.remove(ch.name);
        events.clear();
        ch.take(config.maxEventsPerInterval(), events);
        pendingEvents.addAndGet(-events.size());
        if (!events.isEmpty()) {
          Outbound[] out = new Outbound[events.size()];
          for (int i = 0; i < out.length; i++) {
            ChannelMembers.Event e = events.get(i);
            out[i] = new Outbound(PresenceAnswer.event(ch.name, e.join(), e.member()), 0, false);
          }
          send(ch, out);
        }
        if (ch.pendingCount() > 0) {
          dirty.add(ch); // the rest in the next intervals
        }
      }
      ch.changed = false;
      forgetIfEmpty(ch);
    }
  }

  /** Writes the events to every watcher, on each watcher's own loop. */
  private void send(ChannelMembers ch, Outbound[] events) {
    for (Map.Entry<Context, Set<Connection>> e : ch.watchers.entrySet()) {
      Connection[] targets = e.getValue().toArray(new Connection[0]);
      e.getKey().runOnContext(v -> {
        long sent = 0;
        long dropped = 0;
        for (Connection c : targets) {
          if (c.isClosed()) {
            continue;
          }
          int n = 0;
          long bytes = 0;
          for (Outbound o : events) {
            if (c.deliver(o)) {
              n++;
              bytes += o.size();
            } else {
              dropped++;
            }
          }
          sent += n;
          if (n > 0) {
            metrics.messagesSent(c.transportName(), n, bytes);
          }
        }
        metrics.presenceEventsSent(sent);
        if (dropped > 0) {
          metrics.presenceEventsDropped("slow_consumer", dropped);
        }
      });
    }
  }

  /** Members held on this node (own and replicated). */
  public int held() {
    return held.get();
  }
}
