package dev.gateway.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.config.ConfigException;
import dev.gateway.config.ConfigLoader;
import dev.gateway.support.ServerCerts;
import dev.gateway.support.ServerCerts.KeyType;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients check what the gateway serves, as they should: an expired certificate, one for another
 * host and one from a CA they do not trust each fail the handshake on the client (and a good one
 * passes with the same client). The node itself refuses half a configuration and a key that is
 * not its certificate's.
 */
class TlsCertificateChecksTest {

  static ServerCerts ca;
  static TlsClients clients;

  @BeforeAll
  static void authority() {
    ca = ServerCerts.newAuthority("checks-test-ca");
    clients = new TlsClients(ca);
  }

  @AfterAll
  static void closeClients() {
    clients.close();
  }

  static TestGateway serving(ServerCerts.Pair pair) {
    return TestGateway.start(new JsonObject().put("server", new JsonObject()
        .put("tls", pair.tlsConfig(10_000))));
  }

  /** The failure of a wss:// handshake to a gateway serving {@code pair}, as text. */
  static String refusal(ServerCerts.Pair pair) {
    try (TestGateway gw = serving(pair)) {
      Throwable failure = clients.connectFailure(gw.port);
      assertNotNull(failure, "the client accepted " + pair.cert());
      StringWriter text = new StringWriter();
      failure.printStackTrace(new PrintWriter(text));
      return text.toString();
    }
  }

  @Test
  void aGoodCertificatePasses() {
    try (TestGateway gw = serving(ca.issue("good", KeyType.EC))) {
      assertNull(clients.connectFailure(gw.port), "the control: a valid certificate for localhost");
    }
  }

  @Test
  void anExpiredCertificateFailsOnTheClient() {
    String failure = refusal(ca.issue("expired", KeyType.EC, "DNS:localhost,IP:127.0.0.1", -1));
    assertTrue(failure.contains("CertificateExpiredException"), failure);
  }

  @Test
  void aCertificateForAnotherHostFailsOnTheClient() {
    String failure = refusal(ca.issue("elsewhere", KeyType.RSA, "DNS:elsewhere.example", 2));
    assertTrue(failure.contains("No subject alternative DNS name matching localhost"), failure);
  }

  @Test
  void aCertificateFromAnUntrustedAuthorityFailsOnTheClient() {
    ServerCerts stranger = ServerCerts.newAuthority("stranger-ca");
    String failure = refusal(stranger.issue("stranger", KeyType.EC));
    assertTrue(failure.contains("PKIX path building failed"), failure);
  }

  @Test
  void oneFileWithoutTheOtherStopsTheNode() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromJson(
        new JsonObject(), Map.of("GATEWAY_TLS_CERT_FILE", "/etc/gateway/tls.crt")));
    assertEquals("server.tls.certFile and server.tls.keyFile (GATEWAY_TLS_CERT_FILE,"
        + " GATEWAY_TLS_KEY_FILE) go together: set both (TLS on the client port) or neither"
        + " (plain HTTP); only server.tls.certFile is set", e.getMessage());
  }

  @Test
  void aKeyThatIsNotTheCertificatesStopsTheNode() {
    ServerCerts.Pair a = ca.issue("a", KeyType.EC);
    ServerCerts.Pair b = ca.issue("b", KeyType.EC);
    JsonObject tls = new JsonObject().put("certFile", a.cert().toString())
        .put("keyFile", b.key().toString());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestGateway.start(
        new JsonObject().put("server", new JsonObject().put("tls", tls))));
    StringWriter text = new StringWriter();
    e.printStackTrace(new PrintWriter(text));
    assertTrue(text.toString().contains("is not the private key of the certificate in " + a.cert()),
        text.toString());
  }
}
