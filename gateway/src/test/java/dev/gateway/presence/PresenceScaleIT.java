package dev.gateway.presence;

import static dev.gateway.presence.PresenceClients.register;
import static dev.gateway.presence.PresenceClients.stats;
import static dev.gateway.presence.PresenceClients.walk;
import static dev.gateway.support.ProcessCluster.FAILURE_DETECTION_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.ProcessCluster;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 10,000-member presence channel on three gateway processes from the jar. Member {@code i}
 * (0..9,999) is user {@code u<i/2>} (so 5,000 users, each with members on two nodes) with the
 * token claim {@code info} {@code {"i":i}}, connected to node {@code i % 3}; member 0 is the
 * test's own join/leave watcher on node 0, the others are held by {@link #LOADERS} load-generator
 * processes ({@link MemberLoad}). Every node must list the same 10,000 members (a walk of every
 * page from one node: each member once, with its user and info) and count them
 * ({@code presence_stats}); after a {@code kill -9} of node 3 its 3,333 members must be gone from
 * the others' lists and counts within {@code cluster.failureDetectionMs} + 2 s, and the watcher
 * must get one leave event for each of them.
 *
 * <p>The channel switches to counts only above {@link #COUNTS_ONLY_ABOVE} members: while it
 * fills, the watcher gets joins and then {@code counts} events (the last one: 10,000 clients,
 * 5,000 users); the kill brings it back under the threshold, so the killed node's members leave
 * with one leave event each.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PresenceScaleIT {

  static final String CHANNEL = "chat.scale";
  static final int MEMBERS = 10_000;
  static final int LOADERS = 4;
  static final int COUNTS_ONLY_ABOVE = 7_000;
  static final int VICTIM = 2;
  static final long BOUND_MS = FAILURE_DETECTION_MS + 2_000;

  @RegisterExtension
  final ProcessCluster cluster = ProcessCluster.of(3, Map.of(
      "GATEWAY_AUTH_MODE", "optional", "GATEWAY_JWT_HS256_SECRET", PresenceClients.SECRET,
      "GATEWAY_PERMISSIONS_SUBSCRIBE", "chat.*", "GATEWAY_DEMO_ENABLED", "false",
      "GATEWAY_PRESENCE_INTERVAL_MS", "200",
      "GATEWAY_PRESENCE_COUNTS_ONLY_ABOVE", Integer.toString(COUNTS_ONLY_ABOVE),
      "GATEWAY_PRESENCE_MAX_EVENTS_PER_INTERVAL", "1000"));

  @Test
  void tenThousandMembersOnThreeNodesThenANodeIsKilled() throws Exception {
    long began = System.nanoTime();
    List<PresenceClients> on = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      on.add(new PresenceClients(cluster.client(), cluster.node(n).port));
    }
    BridgeClient watcher = closeAfter(on.get(0).connect(user(0), info(0), null));
    assertEquals("members", register(watcher, CHANNEL, true).getString("presence"),
        "an empty channel sends join and leave events");
    List<BridgeClient> askers = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      askers.add(closeAfter(on.get(n).connect(null)));
    }

    try (MemberLoaders loaders = MemberLoaders.start(jobs(on), CHANNEL,
        Path.of("target", "presence-scale", cluster.node(0).name), 150)) {
      loaders.awaitReady(90);
      long opened = System.nanoTime();
      System.out.printf("PresenceScaleIT: %,d members registered by %d processes in %,d ms%n",
          MEMBERS - 1, LOADERS, TimeUnit.NANOSECONDS.toMillis(opened - began));

      // every node counts them all, and one node lists each of them once
      for (int n = 0; n < 3; n++) {
        assertStats(askers.get(n), n, i -> true, 30);
      }
      System.out.printf("PresenceScaleIT: every node counts %,d members %,d ms after the last"
          + " register%n", MEMBERS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened));
      assertListed(askers.get(1), i -> true);
      List<JsonObject> filling = drainEvents(watcher, 1_000);
      JsonObject lastCounts = last(filling, "counts");
      assertTrue(lastCounts != null, "no counts event while the channel passed " + COUNTS_ONLY_ABOVE
          + " members (" + filling.size() + " events)");
      assertEquals(new JsonObject().put("clients", MEMBERS).put("users", MEMBERS / 2),
          lastCounts.getJsonObject("body"), "the last counts event counts every member");
      System.out.printf("PresenceScaleIT: while filling, the watcher got %,d joins and %,d counts"
          + " events%n", count(filling, "join"), count(filling, "counts"));

      long killed = System.nanoTime();
      cluster.node(VICTIM).kill9();
      IntPredicate survives = i -> i % 3 != VICTIM;
      for (int n = 0; n < 3; n++) {
        if (n != VICTIM) {
          assertStats(askers.get(n), n, survives, TimeUnit.MILLISECONDS.toSeconds(BOUND_MS) + 10);
          long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
          System.out.printf("PresenceScaleIT: node %d counts the survivors %,d ms after the"
              + " kill%n", n + 1, ms);
          assertTrue(ms <= BOUND_MS, "node " + (n + 1) + " counted the killed node's members"
              + " gone after " + ms + " ms, bound " + BOUND_MS + " ms");
        }
      }
      assertListed(askers.get(1), survives);

      Set<Integer> victims = members(survives.negate());
      Set<Integer> left = new TreeSet<>();
      List<String> wrong = new ArrayList<>();
      long deadline = killed + TimeUnit.MILLISECONDS.toNanos(BOUND_MS + 2_000);
      while (left.size() < victims.size() && System.nanoTime() < deadline) {
        JsonObject m = watcher.poll(100);
        String event = m == null ? null : event(m);
        if ("leave".equals(event)) {
          int i = m.getJsonObject("body").getJsonObject("info").getInteger("i");
          if (!left.add(i) || !victims.contains(i)) {
            wrong.add(m.encode());
          }
        } else if (event != null) {
          wrong.add(m.encode());
        }
      }
      assertEquals(List.of(), wrong.subList(0, Math.min(5, wrong.size())),
          "events after the kill that are not a first leave of a killed node's member");
      assertEquals(victims.size(), left.size(), "leave events for the killed node's "
          + victims.size() + " members within " + (BOUND_MS + 2_000) + " ms of the kill");
      System.out.printf("PresenceScaleIT: the watcher got %,d leaves; test took %,d ms%n",
          left.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }
  }

  /** The members of the load generators: member i on node i % 3, process i % LOADERS. */
  private List<MemberLoaders.Job> jobs(List<PresenceClients> on) {
    List<List<String>> lines = new ArrayList<>();
    for (int k = 0; k < LOADERS; k++) {
      lines.add(new ArrayList<>());
    }
    for (int i = 1; i < MEMBERS; i++) {
      lines.get(i % LOADERS).add(cluster.node(i % 3).port + " "
          + on.get(i % 3).token(user(i), info(i), null));
    }
    List<MemberLoaders.Job> jobs = new ArrayList<>();
    for (int k = 0; k < LOADERS; k++) {
      jobs.add(new MemberLoaders.Job(lines.get(k), "127.0.0." + (2 + k)));
    }
    return jobs;
  }

  static String user(int i) {
    return "u" + i / 2;
  }

  static JsonObject info(int i) {
    return new JsonObject().put("i", i);
  }

  static Set<Integer> members(IntPredicate which) {
    Set<Integer> set = new TreeSet<>();
    IntStream.range(0, MEMBERS).filter(which).forEach(set::add);
    return set;
  }

  /** Polls {@code presence_stats} until it counts the members {@code which} and their users. */
  static void assertStats(BridgeClient asker, int node, IntPredicate which, long seconds)
      throws InterruptedException {
    Set<Integer> expected = members(which);
    Set<String> users = new HashSet<>();
    expected.forEach(i -> users.add(user(i)));
    JsonObject want = new JsonObject().put("clients", expected.size()).put("users", users.size());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonObject got = counts(stats(asker, CHANNEL));
    while (!got.equals(want) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      got = counts(stats(asker, CHANNEL));
    }
    assertEquals(want, got, "presence_stats of node " + (node + 1));
  }

  private static JsonObject counts(JsonObject stats) {
    return new JsonObject().put("clients", stats.getInteger("clients"))
        .put("users", stats.getInteger("users"));
  }

  /**
   * Walks every page (1,000 members each) from the asker's node: exactly the members
   * {@code which}, each once, with its own user and info, in pages of at most 1,000.
   */
  static void assertListed(BridgeClient asker, IntPredicate which) {
    List<JsonObject> listed = walk(asker, CHANNEL, 1_000); // fails on a client listed twice
    Set<Integer> seen = new TreeSet<>();
    List<String> wrong = new ArrayList<>();
    for (JsonObject m : listed) {
      JsonObject info = m.getJsonObject("info");
      Integer i = info == null ? null : info.getInteger("i");
      if (i == null || !seen.add(i) || !user(i).equals(m.getString("user"))
          || m.getString("client").length() != 22) {
        wrong.add(m.encode());
      }
    }
    assertEquals(List.of(), wrong.subList(0, Math.min(5, wrong.size())), "members listed wrong"
        + " or twice (" + wrong.size() + ")");
    assertEquals(members(which), seen, "the members listed");
  }

  private static String event(JsonObject m) {
    if (!"rec".equals(m.getString("type")) || !CHANNEL.equals(m.getString("address"))) {
      return null;
    }
    return m.getJsonObject("headers", new JsonObject()).getString("gateway.event");
  }

  /** Every event received until none came for {@code quietMs}. */
  private static List<JsonObject> drainEvents(BridgeClient watcher, long quietMs) {
    List<JsonObject> events = new ArrayList<>();
    for (JsonObject m = watcher.poll(quietMs); m != null; m = watcher.poll(quietMs)) {
      if (event(m) != null) {
        events.add(m);
      }
    }
    return events;
  }

  private static JsonObject last(List<JsonObject> events, String kind) {
    JsonObject found = null;
    for (JsonObject m : events) {
      if (kind.equals(event(m))) {
        found = m;
      }
    }
    return found;
  }

  private static long count(List<JsonObject> events, String kind) {
    return events.stream().filter(m -> kind.equals(event(m))).count();
  }

  private BridgeClient closeAfter(BridgeClient c) {
    return cluster.closeAfter(c);
  }
}
