package dev.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.ClusterCerts;
import dev.gateway.support.ClusterOutsider;
import dev.gateway.support.TestCluster;
import dev.gateway.support.TestGateway;
import dev.gateway.testkit.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Event-bus TLS with mutual authentication: two gateway nodes with certificates from a throwaway
 * cluster CA (made at test time) exchange messages; a plain Vert.x member with a certificate from
 * that CA does too, which shows the cluster accepts members by their certificate alone. Members
 * without one (plain TCP, or TLS with a certificate from another CA) join the Hazelcast cluster,
 * which has no TLS, but neither deliver event-bus messages to the nodes nor receive any from them.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterTlsIT {

  static final String CHANNEL = "chat.tls";

  @Test
  void onlyMembersWithACertificateFromTheClusterCaExchangeEventBusMessages() throws Exception {
    ClusterCerts ca = ClusterCerts.newAuthority("test-cluster-ca");
    ClusterCerts rogueCa = ClusterCerts.newAuthority("rogue-ca");
    TestCluster cluster = new TestCluster(TestCluster.uniqueName("tls"), Ports.freeRange(5),
        TestCluster.newSecret());
    JsonObject noDemo = new JsonObject().put("demo", new JsonObject().put("enabled", false));
    Vertx client = Vertx.vertx();
    try (TestGateway a = TestGateway.startClustered("A", cluster, withTls(noDemo, ca.issue("a")));
         TestGateway b = TestGateway.startClustered("B", cluster, withTls(noDemo, ca.issue("b")));
         BridgeClient sub = BridgeClient.connect(client, b.port)) {
      a.awaitMembers(2);
      sub.register(CHANNEL);
      assertTrue(reaches(sub, a.vertx, "A"), "a publish on node A never reached B's subscriber over TLS");

      try (ClusterOutsider insider = ClusterOutsider.join(cluster.name(), cluster.basePort(),
               tls(ca.issue("insider"), ca.certificate()));
           ClusterOutsider plain = ClusterOutsider.join(cluster.name(), cluster.basePort(),
               new EventBusOptions());
           ClusterOutsider rogue = ClusterOutsider.join(cluster.name(), cluster.basePort(),
               tls(rogueCa.issue("rogue"), ca.certificate()))) {
        b.awaitMembers(5);
        assertTrue(reaches(sub, insider.vertx, "insider"),
            "a member with a certificate from the cluster CA could not deliver to B");

        // what each outsider receives from others than itself
        Queue<Object> plainGot = new ConcurrentLinkedQueue<>();
        Queue<Object> rogueGot = new ConcurrentLinkedQueue<>();
        plain.vertx.eventBus().<JsonObject>consumer(CHANNEL, m -> {
          if (!"plain".equals(m.body().getString("from"))) {
            plainGot.add(m.body());
          }
        }).completion().await(10, TimeUnit.SECONDS);
        rogue.vertx.eventBus().<JsonObject>consumer(CHANNEL, m -> {
          if (!"rogue".equals(m.body().getString("from"))) {
            rogueGot.add(m.body());
          }
        }).completion().await(10, TimeUnit.SECONDS);
        // for five seconds: the outsiders publish, and node A publishes to everyone subscribed
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n = 0;
        while (System.nanoTime() < end) {
          plain.vertx.eventBus().publish(CHANNEL, new JsonObject().put("from", "plain"));
          rogue.vertx.eventBus().publish(CHANNEL, new JsonObject().put("from", "rogue"));
          a.vertx.eventBus().publish(CHANNEL, new JsonObject().put("from", "A").put("n", ++n));
          Thread.sleep(200);
        }
        Thread.sleep(1_000);
        List<JsonObject> got = sub.drain();
        assertTrue(got.stream().noneMatch(from("plain").or(from("rogue"))),
            "an outsider's publish reached a client of node B: " + got);
        assertTrue(got.stream().anyMatch(from("A")), "node A's publishes stopped reaching B: " + got);
        assertTrue(plainGot.isEmpty(), "the plain outsider received " + List.copyOf(plainGot));
        assertTrue(rogueGot.isEmpty(), "the outsider with a foreign certificate received "
            + List.copyOf(rogueGot));
      }
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** True once a publish from {@code vertx} (every 200 ms, up to 15 s) reaches the subscriber. */
  static boolean reaches(BridgeClient sub, Vertx vertx, String from) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < end) {
      vertx.eventBus().publish(CHANNEL, new JsonObject().put("from", from));
      if (sub.await(from(from), 1) != null) {
        return true;
      }
    }
    return false;
  }

  static Predicate<JsonObject> from(String who) {
    return m -> "rec".equals(m.getString("type")) && m.getJsonObject("body") != null
        && who.equals(m.getJsonObject("body").getString("from"));
  }

  static JsonObject withTls(JsonObject config, ClusterCerts.Node node) {
    return config.copy().put("cluster", new JsonObject().put("tls", node.tlsConfig()));
  }

  /** Event-bus TLS the way a member would set it up: its certificate, trusting {@code trusted}. */
  static EventBusOptions tls(ClusterCerts.Node node, java.nio.file.Path trusted) {
    EventBusOptions options = new EventBusOptions().setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(node.cert().toString())
            .setKeyPath(node.key().toString()))
        .setTrustOptions(new PemTrustOptions().addCertPath(trusted.toString()))
        .setTrustAll(false)
        .setClientAuth(ClientAuth.REQUIRED);
    return options;
  }
}
