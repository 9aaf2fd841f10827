package dev.gateway.presence;

import static dev.gateway.presence.PresenceClients.register;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Join and leave events on one node, to a watcher (a register with {@code gateway.joinLeave}):
 * per member they alternate join, leave (none lost, none twice); a join and leave within one
 * interval cancel out; at most {@code maxEventsPerInterval} per interval, the rest later; above
 * {@code countsOnlyAbove} members only counts, announced in the register ack.
 */
class JoinLeaveTest {

  static final long INTERVAL_MS = 200;
  static final int CAP = 5;
  static final int COUNTS_ABOVE = 12;

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(PresenceClients.config(new JsonObject()
      .put("intervalMs", INTERVAL_MS).put("maxEventsPerInterval", CAP).put("countsOnlyAbove", COUNTS_ABOVE)));

  static PresenceClients clients;

  @BeforeAll
  static void clients() {
    clients = new PresenceClients(gw.client(), gw.port());
  }

  /** A presence event as a watcher got it: kind, user, arrival time. */
  record Event(String kind, String user, long atNanos, JsonObject body) {
  }

  /** Every presence event of the channel the watcher received within {@code millis} of quiet. */
  static List<Event> events(BridgeClient watcher, String channel, long quietMillis) {
    List<Event> out = new ArrayList<>();
    JsonObject m;
    while ((m = watcher.poll(quietMillis)) != null) {
      if ("rec".equals(m.getString("type")) && channel.equals(m.getString("address"))) {
        JsonObject h = m.getJsonObject("headers");
        assertNotNull(h, "a presence event has headers: " + m.encode());
        out.add(new Event(h.getString("gateway.event"), m.getJsonObject("body").getString("user"),
            System.nanoTime(), m.getJsonObject("body")));
      }
    }
    return out;
  }

  @Test
  void perMemberEventsAlternateJoinLeaveUnderRandomChurnNoneLostNoneTwice() throws Exception {
    String ch = GatewayExtension.fresh("chat.order");
    try (BridgeClient watcher = clients.connect("watcher")) {
      JsonObject ack = register(watcher, ch, true);
      assertEquals("members", ack.getString("presence"), ack.encode());
      assertEquals("0", ack.getString("offset"), "a history channel's ack keeps its position: " + ack.encode());
      BridgeClient steady = clients.connect("steady");
      register(steady, ch, false);
      List<BridgeClient> churners = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        churners.add(clients.connect("churn-" + i));
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      boolean[] in = new boolean[churners.size()];
      for (int step = 0; step < 60; step++) {
        int k = random.nextInt(churners.size());
        churners.get(k).send(new JsonObject().put("type", in[k] ? "unregister" : "register").put("address", ch));
        in[k] = !in[k];
        Thread.sleep(random.nextInt(0, 40));
      }
      for (int k = 0; k < churners.size(); k++) {
        if (in[k] && random.nextBoolean()) {
          churners.get(k).send(new JsonObject().put("type", "unregister").put("address", ch));
        } else if (in[k]) {
          churners.get(k).close(); // a close is a leave too
        }
      }
      Thread.sleep(3 * INTERVAL_MS);
      steady.close();
      List<Event> events = events(watcher, ch, 6 * INTERVAL_MS);
      Map<String, List<String>> perUser = new HashMap<>();
      for (Event e : events) {
        perUser.computeIfAbsent(e.user(), u -> new ArrayList<>()).add(e.kind());
      }
      assertEquals(List.of("join", "leave"), perUser.get("steady"), "a member that stayed a while");
      for (Map.Entry<String, List<String>> e : perUser.entrySet()) {
        List<String> kinds = e.getValue();
        for (int i = 0; i < kinds.size(); i++) {
          assertEquals(i % 2 == 0 ? "join" : "leave", kinds.get(i), e.getKey() + " got " + kinds);
        }
        assertEquals(0, kinds.size() % 2, e.getKey() + " left in the end: " + kinds);
      }
      assertFalse(perUser.containsKey("watcher"), "the watcher's own join came before it watched");
      churners.forEach(BridgeClient::close);
    }
  }

  @Test
  void aJoinAndLeaveWithinOneIntervalCancelOut() throws Exception {
    String ch = GatewayExtension.fresh("chat.coalesce");
    String coalesced = "gateway_presence_events_coalesced_total";
    try (BridgeClient watcher = clients.connect("watcher"); BridgeClient flicker = clients.connect("flicker")) {
      register(watcher, ch, true);
      double before = gw.metric(coalesced);
      int pairs = 20;
      for (int i = 0; i < pairs; i++) {
        register(flicker, ch, false); // a member once acked
        flicker.send(new JsonObject().put("type", "unregister").put("address", ch));
        Thread.sleep(INTERVAL_MS / 4);
      }
      List<Event> events = events(watcher, ch, 4 * INTERVAL_MS);
      double cancelled = gw.metric(coalesced) - before;
      // a pair split by an interval's end is sent as it is; most fall inside one interval
      assertTrue(cancelled >= pairs, "cancelled events: " + cancelled);
      assertEquals(2 * pairs, cancelled + events.size(), "every event either sent or cancelled: " + events);
    }
  }

  @Test
  void atMostTheCapPerIntervalAndTheRestLaterInOrder() throws Exception {
    String ch = GatewayExtension.fresh("chat.cap");
    List<BridgeClient> members = new ArrayList<>();
    try (BridgeClient watcher = clients.connect("watcher")) {
      register(watcher, ch, true);
      for (int i = 0; i < COUNTS_ABOVE - 1; i++) {
        members.add(clients.connect("m" + i));
      }
      for (BridgeClient m : members) {
        m.send(new JsonObject().put("type", "register").put("address", ch));
      }
      List<Event> events = events(watcher, ch, 4 * INTERVAL_MS);
      assertEquals(members.size(), events.size(), "every join arrives: " + events);
      assertTrue(events.stream().allMatch(e -> e.kind().equals("join")));
      assertEquals(members.size(), events.stream().map(Event::user).distinct().count());
      // bursts: events less than half an interval apart belong to one interval
      List<Integer> bursts = new ArrayList<>();
      long last = 0;
      for (Event e : events) {
        if (bursts.isEmpty() || e.atNanos() - last > INTERVAL_MS * 500_000L) {
          bursts.add(0);
        }
        bursts.set(bursts.size() - 1, bursts.get(bursts.size() - 1) + 1);
        last = e.atNanos();
      }
      assertTrue(bursts.stream().allMatch(n -> n <= CAP), "at most " + CAP + " per interval: " + bursts);
    } finally {
      members.forEach(BridgeClient::close);
    }
  }

  @Test
  void aboveTheThresholdOnlyCountsAnnouncedInTheAck() throws Exception {
    String ch = GatewayExtension.fresh("chat.crowd");
    List<BridgeClient> members = new ArrayList<>();
    try {
      for (int i = 0; i <= COUNTS_ABOVE; i++) {
        BridgeClient m = clients.connect("crowd-" + i);
        members.add(m);
        register(m, ch, false);
      }
      Thread.sleep(2 * INTERVAL_MS); // the channel's mode is decided once per interval
      try (BridgeClient watcher = clients.connect("watcher"); BridgeClient late = clients.connect("late")) {
        JsonObject ack = register(watcher, ch, true);
        assertEquals("counts", ack.getString("presence"), ack.encode());
        register(late, ch, false);
        List<Event> events = events(watcher, ch, 4 * INTERVAL_MS);
        assertFalse(events.isEmpty(), "a counts event after the change");
        assertTrue(events.stream().allMatch(e -> e.kind().equals("counts")), "counts only: " + events);
        JsonObject counts = events.get(events.size() - 1).body();
        assertEquals(COUNTS_ABOVE + 3, counts.getInteger("clients"), counts.encode());
        assertEquals(COUNTS_ABOVE + 3, counts.getInteger("users"), counts.encode());
        assertNull(watcher.poll(2 * INTERVAL_MS), "nothing while nothing changes");
      }
    } finally {
      members.forEach(BridgeClient::close);
    }
  }
}
