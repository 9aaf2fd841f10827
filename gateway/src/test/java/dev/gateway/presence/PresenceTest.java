package dev.gateway.presence;

import static dev.gateway.presence.PresenceClients.page;
import static dev.gateway.presence.PresenceClients.register;
import static dev.gateway.presence.PresenceClients.stats;
import static dev.gateway.presence.PresenceClients.users;
import static dev.gateway.presence.PresenceClients.walk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code presence} and {@code presence_stats} on one node, with real clients: who is listed
 * (every connection that completed a register, the asker too, with user and info), paging with
 * cursors (no member twice, also under churn), correctness under connect/disconnect churn in
 * random order, permissions and every bad input.
 */
class PresenceTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(PresenceClients.config(new JsonObject()));

  static PresenceClients clients;

  @BeforeAll
  static void clients() {
    clients = new PresenceClients(gw.client(), gw.port());
  }

  @Test
  void listsEveryRegisteredConnectionWithUserAndInfoAndCountsUsers() {
    String ch = GatewayExtension.fresh("chat.who");
    JsonObject info = new JsonObject().put("name", "Alice").put("color", "blue");
    try (BridgeClient a1 = clients.connect("alice", info, null); BridgeClient a2 = clients.connect("alice");
         BridgeClient anon = gw.connect(); BridgeClient asker = clients.connect("bob")) {
      register(a1, ch, false);
      register(a2, ch, false);
      register(anon, ch, false);
      JsonObject before = stats(asker, ch);
      assertEquals(3, before.getInteger("clients"), before.encode());
      assertEquals(1, before.getInteger("users"), "alice twice is one user: " + before.encode());
      register(asker, ch, false);
      JsonObject answer = page(asker, ch, null, null);
      assertEquals(ch, answer.getString("address"));
      assertFalse(answer.containsKey("cursor"), "one page holds them all: " + answer.encode());
      List<JsonObject> members = answer.getJsonArray("members").stream().map(o -> (JsonObject) o).toList();
      assertEquals(4, members.size(), answer.encode());
      assertEquals(List.of("alice", "alice", "bob"), members.stream().map(m -> m.getString("user"))
          .filter(u -> u != null).sorted().toList(), "users of " + answer.encode());
      assertEquals(1, members.stream().filter(m -> !m.containsKey("user")).count(), "one anonymous member");
      assertTrue(members.stream().anyMatch(m -> info.equals(m.getJsonObject("info"))), "info shown: " + answer.encode());
      members.forEach(m -> assertEquals(22, m.getString("client").length(), "client id of " + m.encode()));
      assertEquals(4, members.stream().map(m -> m.getString("client")).distinct().count());
      JsonObject after = stats(asker, ch);
      assertEquals(4, after.getInteger("clients"));
      assertEquals(2, after.getInteger("users"));
    }
  }

  @Test
  void aRefreshedTokensInfoReplacesTheMembersInfoWithoutAJoin() throws InterruptedException {
    String ch = GatewayExtension.fresh("chat.refresh");
    JsonObject before = new JsonObject().put("name", "Alice");
    JsonObject after = new JsonObject().put("name", "Alice B.");
    try (BridgeClient alice = clients.connect("alice", before, null);
         BridgeClient watcher = clients.connect("bob")) {
      register(watcher, ch, true);
      register(alice, ch, false);
      JsonObject join = watcher.awaitRec(ch, 5);
      assertEquals("join", join == null ? null : join.getJsonObject("headers").getString("gateway.event"));
      assertEquals(List.of(before), infos(watcher, ch));
      alice.send(new JsonObject().put("type", "ping")
          .put("headers", new JsonObject().put("token", clients.token("alice", after, null))));
      long deadline = System.nanoTime() + 5_000_000_000L;
      List<JsonObject> now = infos(watcher, ch);
      while (!now.equals(List.of(after)) && System.nanoTime() < deadline) {
        Thread.sleep(50);
        now = infos(watcher, ch);
      }
      assertEquals(List.of(after), now, "the member still shows the old info");
      assertEquals(2, stats(watcher, ch).getInteger("clients"), "the refresh added a member");
      assertNull(watcher.awaitRec(ch, 2), "the refresh caused a presence event");
    }
  }

  /** The info of every member with one (one page). */
  private static List<JsonObject> infos(BridgeClient asker, String ch) {
    List<JsonObject> infos = new ArrayList<>();
    for (Object o : page(asker, ch, null, null).getJsonArray("members")) {
      JsonObject info = ((JsonObject) o).getJsonObject("info");
      if (info != null) {
        infos.add(info);
      }
    }
    return infos;
  }

  @Test
  void pagesFollowTheCursorInClientOrderAndTheLastHasNone() {
    String ch = GatewayExtension.fresh("chat.pages");
    List<BridgeClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 25; i++) {
        BridgeClient c = clients.connect("u" + i);
        open.add(c);
        register(c, ch, false);
      }
      BridgeClient asker = open.get(0);
      List<String> clientsInOrder = new ArrayList<>();
      String cursor = null;
      List<Integer> sizes = new ArrayList<>();
      do {
        JsonObject p = page(asker, ch, 10, cursor);
        JsonArray members = p.getJsonArray("members");
        sizes.add(members.size());
        members.forEach(m -> clientsInOrder.add(((JsonObject) m).getString("client")));
        cursor = p.getString("cursor");
      } while (cursor != null);
      assertEquals(List.of(10, 10, 5), sizes, "pages of 10");
      List<String> sorted = new ArrayList<>(clientsInOrder);
      Collections.sort(sorted);
      assertEquals(sorted, clientsInOrder, "client-id order");
      assertEquals(25, new TreeSet<>(clientsInOrder).size());
      JsonObject empty = page(asker, GatewayExtension.fresh("chat.nobody"), null, null);
      assertEquals(0, empty.getJsonArray("members").size(), empty.encode());
      assertNull(empty.getString("cursor"));
    } finally {
      open.forEach(BridgeClient::close);
    }
  }

  @Test
  void churnInRandomOrderLeavesExactlyTheRegisteredMembersAndWalksNeverRepeat() throws Exception {
    String ch = GatewayExtension.fresh("chat.churn");
    int n = 300;
    List<BridgeClient> all = new ArrayList<>();
    Set<String> expected = new TreeSet<>();
    try (BridgeClient asker = gw.connect()) {
      for (int i = 0; i < n; i++) {
        all.add(clients.connect("user-" + i));
      }
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        order.add(i);
      }
      Collections.shuffle(order);
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i : order) {
        BridgeClient c = all.get(i);
        c.send(new JsonObject().put("type", "register").put("address", ch));
        expected.add("user-" + i);
        int k = random.nextInt(n);
        if (random.nextInt(3) == 0 && expected.remove("user-" + k)) {
          // leaves by either way: unregister, or the connection closes
          if (random.nextBoolean()) {
            all.get(k).send(new JsonObject().put("type", "unregister").put("address", ch));
          } else {
            all.get(k).close();
          }
        }
        if (i % 50 == 0) {
          walk(asker, ch, 7); // paging while members come and go: no member twice
        }
      }
      // register again who was only unregistered? no: expected is who registered last and stayed
      long deadline = System.nanoTime() + 10_000_000_000L;
      Set<String> listed;
      do {
        listed = users(walk(asker, ch, 37));
      } while (!listed.equals(expected) && System.nanoTime() < deadline && sleep(50));
      assertEquals(expected, listed, "members after the churn");
      JsonObject s = stats(asker, ch);
      assertEquals(expected.size(), s.getInteger("clients"), s.encode());
      assertEquals(expected.size(), s.getInteger("users"), s.encode());
    } finally {
      all.forEach(BridgeClient::close);
    }
    try (BridgeClient asker = gw.connect()) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      JsonObject s;
      do {
        s = stats(asker, ch);
      } while (s.getInteger("clients") != 0 && System.nanoTime() < deadline && sleep(50));
      assertEquals(0, s.getInteger("clients"), "every member left with its connection: " + s.encode());
      assertEquals(0, s.getInteger("users"));
    }
  }

  private static boolean sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return true;
  }

  @Test
  void needsSubscribePermissionAndAPresenceChannel() {
    try (BridgeClient anon = gw.connect();
         BridgeClient narrow = clients.connect("carol", null, new JsonArray().add("chat.mine"))) {
      assertErr("access_denied", page(anon, "news.x", null, null));
      assertErr("access_denied", stats(anon, "news.x"));
      assertErr("access_denied", page(anon, "gateway.internal.presence", null, null));
      assertErr("no_presence", page(anon, "live.x", null, null));
      assertErr("no_presence", stats(anon, "live.x"));
      // a token narrows what its connection may read
      assertErr("access_denied", page(narrow, "chat.other", null, null));
      assertEquals("presence", page(narrow, "chat.mine", null, null).getString("type"));
      assertEquals("presence_stats", stats(narrow, "chat.mine").getString("type"));
      // a register on a channel without presence works; its ack says presence is off
      assertEquals("off", register(anon, "live.y", true).getString("presence"));
    }
  }

  @Test
  void everyBadInputGetsItsErrorCodeAndTheConnectionStaysUsable() {
    try (BridgeClient c = gw.connect()) {
      String ch = "chat.bad";
      JsonObject base = new JsonObject().put("type", "presence").put("address", ch);
      assertErr("missing_address", PresenceClients.ask(c, new JsonObject().put("type", "presence")));
      assertErr("missing_address", PresenceClients.ask(c, new JsonObject().put("type", "presence_stats").put("address", "")));
      assertErr("address_too_long", PresenceClients.ask(c, base.copy().put("address", "chat." + "x".repeat(300))));
      for (Object limit : new Object[] {0, -1, 1001, "10", 2.5, true}) {
        assertErr("invalid_field", PresenceClients.ask(c, base.copy().put("limit", limit)));
      }
      for (Object cursor : new Object[] {"", "x".repeat(65), 5, new JsonObject()}) {
        assertErr("invalid_field", PresenceClients.ask(c, base.copy().put("cursor", cursor)));
      }
      c.send(base.copy().put("ack", 7));
      assertErr("invalid_field", c.await(m -> "err".equals(m.getString("type")), 5));
      for (Object flag : new Object[] {"yes", true, "TRUE", 1}) {
        c.send(new JsonObject().put("type", "register").put("address", ch)
            .put("headers", new JsonObject().put("gateway.joinLeave", flag)));
        assertErr("invalid_field", c.await(m -> "err".equals(m.getString("type")), 5));
      }
      // any cursor string is a position: past every client id, the page is empty
      JsonObject past = page(c, ch, null, "~~~~");
      assertEquals(0, past.getJsonArray("members").size(), past.encode());
      register(c, ch, false);
      assertEquals(1, page(c, ch, 1, null).getJsonArray("members").size(), "still usable");
    }
  }

  static void assertErr(String code, JsonObject answer) {
    assertEquals("err", answer.getString("type"), "expected err " + code + ": " + answer.encode());
    assertEquals(code, answer.getString("body"), answer.encode());
  }
}
