package dev.gateway.presence;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import dev.gateway.cluster.ClusterSeal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Presence across the cluster. Each node sends the changes of its own members (joins and
 * leaves, all channels together) once per interval, published to every node with a sequence
 * number of its own, and a heartbeat carrying the last number when it had nothing to send for a
 * second. Every node keeps a copy of the other nodes' members: it applies a node's changes in
 * sequence order, and when it sees a node for the first time, misses a number, or its copy
 * cannot be trusted, it reads the node's members anew from a snapshot (paged, requested from
 * that node), then applies what came after the snapshot. Applying a change twice changes
 * nothing (a join replaces, a leave removes), which is what makes a snapshot and the changes
 * around it agree. When Hazelcast reports a node gone, its members leave at once (with their
 * leave events), and anything it sent later is ignored.
 *
 * <p>Every message is sealed ({@link ClusterSeal}) for its address and opened before use: an
 * unsealed or forged one is dropped and counted in {@code gateway_cluster_messages_rejected_total};
 * a replayed one carries a number already applied and changes nothing. Sizes are bounded: at
 * most {@link #MAX_OPS} changes per message, {@link #PAGE} members per snapshot page,
 * {@link #MAX_QUEUED} changes waiting to be sent (past it the changes are dropped and the other
 * nodes are made to read a snapshot), {@link #MAX_BUFFERED} messages held per node while its
 * snapshot is read, {@link #MAX_SNAPSHOTS} snapshots served at once. Confined to the presence
 * context.
 */
final class PresenceCluster {

  static final String DELTAS = "gateway.internal.presence.deltas";
  static final int MAX_OPS = 200;
  static final int PAGE = 500;
  static final int MAX_QUEUED = 50_000;
  static final int MAX_BUFFERED = 1_000;
  static final int MAX_SNAPSHOTS = 8;
  static final long HEARTBEAT_MS = 1_000;
  static final long SNAPSHOT_TTL_MS = 30_000;
  static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
  static final int MAX_FIELD = 1024;
  /** Where vertx-hazelcast keeps a member's Vert.x node id. */
  static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  static String syncAddress(String node) {
    return "gateway.internal.presence.sync." + node;
  }

  /** One change of a member of this node. */
  private record Op(String channel, dev.gateway.presence.Member member, boolean join) {
  }

  /** What this node knows of another node's sequence. */
  private static final class Peer {
    long seq = -1;
    boolean syncing;
    final List<JsonObject> buffered = new ArrayList<>();
  }

  /** A snapshot being served: this node's members when it was taken, with the number then. */
  private record Snapshot(List<String[]> channels, List<dev.gateway.presence.Member> members,
                          long seq, long takenAt) {
  }

  private final Presence presence;
  private final Vertx vertx;
  private final Context context;
  private final HazelcastInstance hz;
  private final ClusterSeal seal;
  private final String self;
  private final Counter resyncs;
  private final List<Op> queue = new ArrayList<>();
  private final Map<String, Peer> peers = new HashMap<>();
  private final Set<String> members = new HashSet<>();
  private final LinkedHashMap<String, Boolean> gone = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 1024;
    }
  };
  private final LinkedHashMap<String, Snapshot> snapshots = new LinkedHashMap<>();
  private long seq;
  private boolean overflowed;
  private long lastSent;
  private MessageConsumer<Object> deltas;
  private MessageConsumer<Object> sync;
  private UUID listener;

  PresenceCluster(Presence presence, Vertx vertx, Context context, HazelcastInstance hz,
                  ClusterSeal seal, MeterRegistry registry) {
    this.presence = presence;
    this.vertx = vertx;
    this.context = context;
    this.hz = hz;
    this.seal = seal;
    this.self = presence.nodeId();
    this.resyncs = Counter.builder("gateway.presence.resyncs")
        .description("Snapshots of another node's members read (a node seen first, or a missed"
            + " change)").register(registry);
    io.micrometer.core.instrument.Gauge.builder("gateway.presence.cluster.pending", queue, List::size)
        .description("Member changes of this node waiting for the next interval to be sent to the"
            + " other nodes").register(registry);
  }

  Future<Void> start() {
    listener = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        String id = nodeIdOf(e.getMember());
        context.runOnContext(v -> members.add(id));
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        String id = nodeIdOf(e.getMember());
        context.runOnContext(v -> nodeGone(id));
      }
    });
    for (Member m : hz.getCluster().getMembers()) {
      members.add(nodeIdOf(m));
    }
    deltas = vertx.eventBus().consumer(DELTAS, this::onDelta);
    sync = vertx.eventBus().consumer(syncAddress(self), this::onSync);
    return Future.all(deltas.completion(), sync.completion()).mapEmpty();
  }

  /** The Vert.x node id of a Hazelcast member (vertx-hazelcast keeps it as a member attribute). */
  private static String nodeIdOf(Member m) {
    String id = m.getAttribute(NODE_ID_ATTRIBUTE);
    return id != null ? id : m.getUuid().toString();
  }

  Future<Void> stop() {
    if (listener != null) {
      hz.getCluster().removeMembershipListener(listener);
    }
    return Future.all(deltas.unregister(), sync.unregister()).mapEmpty();
  }

  /** A member of this node joined or left a channel. */
  void changed(String channel, dev.gateway.presence.Member m, boolean join) {
    if (queue.size() >= MAX_QUEUED) {
      overflowed = true; // the others will read a snapshot
      queue.clear();
      return;
    }
    if (!overflowed) {
      queue.add(new Op(channel, m, join));
    }
  }

  /** Once per interval: this node's changes (or a heartbeat) to every other node. */
  void flush() {
    long now = System.currentTimeMillis();
    if (overflowed) {
      overflowed = false;
      queue.clear();
      seq += 2; // a number nobody received: every node reads a snapshot
      publish(heartbeat());
      return;
    }
    if (queue.isEmpty()) {
      if (now - lastSent >= HEARTBEAT_MS) {
        publish(heartbeat());
      }
      return;
    }
    for (int from = 0; from < queue.size(); from += MAX_OPS) {
      List<Op> chunk = queue.subList(from, Math.min(queue.size(), from + MAX_OPS));
      StringBuilder b = new StringBuilder(256 * chunk.size()).append("{\"n\":")
          .append(Json.encode(self)).append(",\"s\":").append(++seq).append(",\"o\":[");
      for (int i = 0; i < chunk.size(); i++) {
        Op op = chunk.get(i);
        b.append(i == 0 ? "" : ",").append("{\"c\":").append(Json.encode(op.channel()));
        if (op.join()) {
          b.append(",\"j\":").append(op.member().json()).append('}');
        } else {
          b.append(",\"l\":").append(Json.encode(op.member().client())).append('}');
        }
      }
      publish(b.append("]}").toString());
    }
    queue.clear();
  }

  private String heartbeat() {
    return "{\"n\":" + Json.encode(self) + ",\"s\":" + seq + ",\"h\":true}";
  }

  private void publish(String json) {
    lastSent = System.currentTimeMillis();
    vertx.eventBus().publish(DELTAS, seal.seal(DELTAS, Buffer.buffer(json.getBytes(StandardCharsets.UTF_8))));
  }

  private void onDelta(Message<Object> msg) {
    JsonObject m = opened(DELTAS, msg.body());
    if (m == null || !(m.getValue("n") instanceof String node) || !(m.getValue("s") instanceof Number)) {
      return;
    }
    if (node.equals(self) || gone.containsKey(node) || !members.contains(node)) {
      return; // our own, from a node gone, or not (yet) known to Hazelcast: its next heartbeat will do
    }
    Peer p = peers.computeIfAbsent(node, k -> new Peer());
    long s = m.getLong("s");
    if (p.syncing) {
      if (p.buffered.size() < MAX_BUFFERED) {
        p.buffered.add(m);
      }
      return;
    }
    if (Boolean.TRUE.equals(m.getValue("h"))) {
      if (s != p.seq) {
        resync(node, p);
      }
      return;
    }
    if (s == p.seq + 1) {
      apply(node, m);
      p.seq = s;
    } else if (s > p.seq) {
      p.buffered.add(m);
      resync(node, p);
    } // s <= p.seq: applied already (a replay, or a duplicate)
  }

  /** Applies one message's changes of {@code node}; malformed changes are skipped. */
  private void apply(String node, JsonObject m) {
    if (!(m.getValue("o") instanceof JsonArray ops) || ops.size() > MAX_OPS) {
      return;
    }
    for (Object o : ops) {
      if (!(o instanceof JsonObject op) || !(op.getValue("c") instanceof String channel)
          || channel.isEmpty() || channel.length() > MAX_FIELD || !presence.covers(channel)) {
        continue;
      }
      if (op.getValue("l") instanceof String client) {
        presence.removeMember(node, channel, client);
      } else if (op.getValue("j") instanceof JsonObject j) {
        dev.gateway.presence.Member member = member(j, node);
        if (member != null) {
          presence.addMember(node, channel, member);
        }
      }
    }
  }

  /** A member as another node sent it, or null when a field is missing or over its bound. */
  private static dev.gateway.presence.Member member(JsonObject j, String node) {
    if (!(j.getValue("client") instanceof String client) || client.isEmpty() || client.length() > 64) {
      return null;
    }
    Object user = j.getValue("user");
    if (user != null && (!(user instanceof String u) || u.length() > MAX_FIELD)) {
      return null;
    }
    Object info = j.getValue("info");
    String infoText = info == null ? null : Json.encode(info);
    if (infoText != null && infoText.getBytes(StandardCharsets.UTF_8).length > MAX_FIELD) {
      return null;
    }
    return new dev.gateway.presence.Member(client, (String) user, infoText, node);
  }

  /** Reads {@code node}'s members anew from a snapshot, then what it sent after it. */
  private void resync(String node, Peer p) {
    p.syncing = true;
    resyncs.increment();
    page(node, p, null, 0, new HashMap<>());
  }

  private void page(String node, Peer p, String snap, int at,
                    Map<String, List<dev.gateway.presence.Member>> read) {
    JsonObject q = new JsonObject().put("from", self).put("at", at);
    if (snap != null) {
      q.put("snap", snap);
    }
    Buffer request = seal.seal(syncAddress(node), q.toBuffer());
    vertx.eventBus().request(syncAddress(node), request, new DeliveryOptions().setSendTimeout(5_000))
        .onComplete(ar -> {
          if (peers.get(node) != p) {
            return; // the node is gone
          }
          JsonObject r = ar.succeeded() ? openedReply(request, ar.result().body()) : null;
          if (r == null || !(r.getValue("e") instanceof JsonArray entries)
              || !(r.getValue("snap") instanceof String id) || !(r.getValue("s") instanceof Number)) {
            p.syncing = false;
            p.buffered.clear();
            vertx.setTimer(1_000, t -> {
              if (peers.get(node) == p && !p.syncing) {
                resync(node, p);
              }
            });
            return;
          }
          for (Object o : entries) {
            if (o instanceof JsonObject e && e.getValue("c") instanceof String channel
                && e.getValue("m") instanceof JsonObject mj && presence.covers(channel)) {
              dev.gateway.presence.Member member = member(mj, node);
              if (member != null) {
                read.computeIfAbsent(channel, k -> new ArrayList<>()).add(member);
              }
            }
          }
          if (r.getValue("next") instanceof Number next) {
            page(node, p, id, next.intValue(), read);
          } else {
            synced(node, p, r.getLong("s"), read);
          }
        });
  }

  private void synced(String node, Peer p, long at, Map<String, List<dev.gateway.presence.Member>> read) {
    presence.replaceNode(node, read);
    p.seq = at;
    p.syncing = false;
    List<JsonObject> after = new ArrayList<>(p.buffered);
    p.buffered.clear();
    after.sort((a, b) -> Long.compare(a.getLong("s"), b.getLong("s")));
    for (JsonObject m : after) {
      long s = m.getLong("s");
      boolean heartbeat = Boolean.TRUE.equals(m.getValue("h"));
      if (s <= p.seq) {
        continue;
      }
      if (heartbeat || s != p.seq + 1) {
        resync(node, p); // still a gap (or numbers moved on): read again
        return;
      }
      apply(node, m);
      p.seq = s;
    }
  }

  /** A snapshot page request from another node: this node's own members, from {@code at}. */
  private void onSync(Message<Object> msg) {
    JsonObject q = opened(syncAddress(self), msg.body());
    if (q == null) {
      return; // unsealed or forged (counted): no answer
    }
    long now = System.currentTimeMillis();
    snapshots.values().removeIf(s -> now - s.takenAt() > SNAPSHOT_TTL_MS);
    String id = q.getValue("snap") instanceof String s ? s : null;
    Snapshot snap = id == null ? null : snapshots.get(id);
    if (id == null) {
      id = UUID.randomUUID().toString();
      snap = take(now);
      if (snapshots.size() >= MAX_SNAPSHOTS) {
        Iterator<String> eldest = snapshots.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
      snapshots.put(id, snap);
    }
    if (snap == null) {
      msg.fail(404, "snapshot expired");
      return;
    }
    int at = Math.max(0, q.getInteger("at", 0));
    int end = Math.min(snap.members().size(), at + PAGE);
    StringBuilder b = new StringBuilder(128 + 256 * (end - at)).append("{\"snap\":")
        .append(Json.encode(id)).append(",\"s\":").append(snap.seq()).append(",\"e\":[");
    for (int i = at; i < end; i++) {
      b.append(i == at ? "" : ",").append("{\"c\":").append(Json.encode(snap.channels().get(i)[0]))
          .append(",\"m\":").append(snap.members().get(i).json()).append('}');
    }
    b.append(']');
    if (end < snap.members().size()) {
      b.append(",\"next\":").append(end);
    } else {
      snapshots.remove(id);
    }
    Buffer request = (Buffer) msg.body();
    msg.reply(seal.sealReply(request, Buffer.buffer(b.append('}').toString())));
  }

  /** This node's members now; the changes not sent yet come after {@link #seq} and apply again harmlessly. */
  private Snapshot take(long now) {
    List<String[]> channels = new ArrayList<>();
    List<dev.gateway.presence.Member> list = new ArrayList<>();
    presence.membersOf(self).forEach((channel, ms) -> {
      String[] name = {channel};
      for (dev.gateway.presence.Member m : ms) {
        channels.add(name);
        list.add(m);
      }
    });
    return new Snapshot(channels, list, seq, now);
  }

  private void nodeGone(String node) {
    members.remove(node);
    gone.put(node, Boolean.TRUE);
    peers.remove(node);
    presence.dropNode(node);
  }

  private JsonObject opened(String address, Object body) {
    Buffer payload = seal.open(address, body);
    return parse(payload);
  }

  private JsonObject openedReply(Buffer request, Object body) {
    return parse(seal.openReply(request, body));
  }

  private static JsonObject parse(Buffer payload) {
    if (payload == null || payload.length() > MAX_MESSAGE_BYTES) {
      return null;
    }
    try {
      return new JsonObject(payload);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }
}
