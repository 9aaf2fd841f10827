package dev.gateway.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.SecretVolume;
import dev.gateway.support.ServerCerts;
import dev.gateway.support.ServerCerts.KeyType;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Certificates reload from a Secret-like volume (the {@code ..data} symlink swap): the next
 * handshakes, on every event loop of the node, get the new certificate while connections opened
 * before keep theirs and keep receiving; a pair whose key is not the certificate's, or that does
 * not parse, is refused and counted, and the node goes on serving the last good one.
 */
class TlsReloadTest {

  static final long RELOAD_MS = 200;
  static final String RELOADED = "gateway_tls_reloads_total{outcome=\"reloaded\"}";
  static final String MISMATCH = "gateway_tls_reloads_total{outcome=\"key_mismatch\"}";
  static final String INVALID = "gateway_tls_reloads_total{outcome=\"invalid\"}";

  static ServerCerts ca;
  static TlsClients clients;

  @BeforeAll
  static void authority() {
    ca = ServerCerts.newAuthority("reload-test-ca");
    clients = new TlsClients(ca);
  }

  @AfterAll
  static void closeClients() {
    clients.close();
  }

  static TestGateway gateway(SecretVolume volume) {
    return TestGateway.start(new JsonObject().put("server", new JsonObject()
        .put("eventLoops", 2).put("tls", volume.tlsConfig(RELOAD_MS))));
  }

  @Test
  void aSwappedCertificateServesNewHandshakesWhileOldConnectionsKeepReceiving() {
    ServerCerts.Pair first = ca.issue("first", KeyType.RSA);
    ServerCerts.Pair second = ca.issue("second", KeyType.EC);
    SecretVolume volume = SecretVolume.of(first);
    try (TestGateway gw = gateway(volume)) {
      TlsClients.Socket old = clients.connect(gw.port);
      assertEquals(first.serial(), old.serverSerial(), "the first certificate is served");
      old.register("chat.reload");

      volume.update(second);
      assertEquals(1.0, gw.awaitMetric(RELOADED, v -> v >= 1, 10), "the swap is picked up");
      // several handshakes: the node's two event loops each take some of them
      for (BigInteger serial : serials(gw.port, 4)) {
        assertEquals(second.serial(), serial, "a handshake after the swap");
      }
      assertEquals(first.serial(), old.serverSerial(), "the old connection keeps its session");
      assertEquals(202, clients.publish(gw.port, "chat.reload", "after the swap"));
      JsonObject rec = old.next(10);
      assertNotNull(rec, "the connection opened before the swap stopped receiving");
      assertEquals("after the swap", rec.getString("body"), "rec: " + rec);
      assertEquals(0.0, gw.metric(MISMATCH) + gw.metric(INVALID), "no refusal counted");
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefusedAndTheOldOneKept() throws Exception {
    ServerCerts.Pair good = ca.issue("good", KeyType.EC);
    ServerCerts.Pair other = ca.issue("other", KeyType.EC);
    SecretVolume volume = SecretVolume.of(good);
    try (TestGateway gw = gateway(volume)) {
      assertEquals(good.serial(), clients.connect(gw.port).serverSerial());

      volume.update(other.cert(), good.key()); // other's certificate, good's key
      assertEquals(1.0, gw.awaitMetric(MISMATCH, v -> v >= 1, 10), "the mismatch is counted");
      assertEquals(List.of(good.serial(), good.serial()), serials(gw.port, 2),
          "the good certificate is still served");

      Path garbage = Files.createTempFile("not-pem", ".crt");
      Files.writeString(garbage, "not a certificate\n");
      volume.update(garbage, other.key());
      assertEquals(1.0, gw.awaitMetric(INVALID, v -> v >= 1, 10), "the unparsable pair is counted");
      assertEquals(good.serial(), clients.connect(gw.port).serverSerial(), "still the good one");

      // counted once per change of content, not once per poll
      Thread.sleep(RELOAD_MS * 5);
      assertEquals(1.0, gw.metric(MISMATCH), "the mismatch counted once");
      assertEquals(1.0, gw.metric(INVALID), "the unparsable pair counted once");

      volume.update(other); // a good pair again
      assertEquals(1.0, gw.awaitMetric(RELOADED, v -> v >= 1, 10), "a good pair is taken");
      assertEquals(other.serial(), clients.connect(gw.port).serverSerial());
      double expiry = gw.metric("gateway_tls_certificate_expiry_seconds");
      double expected = (double) readNotAfter(other) / 1000;
      assertEquals(expected, expiry, 1.0, "the expiry gauge follows the served certificate");
    }
  }

  private static long readNotAfter(ServerCerts.Pair pair) throws Exception {
    try (var in = Files.newInputStream(pair.cert())) {
      var cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
          .getInstance("X.509").generateCertificate(in);
      return cert.getNotAfter().getTime();
    }
  }

  /** The certificate serials {@code n} fresh connections get (each closed after). */
  private static List<BigInteger> serials(int port, int n) {
    List<BigInteger> serials = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TlsClients.Socket s = clients.connect(port);
      serials.add(s.serverSerial());
      TlsClients.await(s.ws().close());
    }
    return serials;
  }
}
