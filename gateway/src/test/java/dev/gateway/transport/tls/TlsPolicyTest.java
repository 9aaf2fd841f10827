package dev.gateway.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Openssl;
import dev.gateway.support.ServerCerts;
import dev.gateway.support.ServerCerts.KeyType;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the client port's TLS offers, probed with the openssl command line (a client that will
 * offer anything it is told to): TLS 1.2 and 1.3 with AEAD suites, never TLS 1.1 or a CBC suite;
 * sessions resume on both versions.
 */
class TlsPolicyTest {

  static final String HTTP_GET = "GET /health/live HTTP/1.1\r\nHost: localhost\r\n"
      + "Connection: close\r\n\r\n";

  static ServerCerts ca;
  static TestGateway gw;
  static Path dir;

  @BeforeAll
  static void start() {
    ca = ServerCerts.newAuthority("policy-test-ca");
    ServerCerts.Pair pair = ca.issue("policy", KeyType.RSA);
    dir = ca.certificate().getParent();
    gw = TestGateway.start(new JsonObject().put("server", new JsonObject()
        .put("tls", pair.tlsConfig(10_000))));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  /** {@code openssl s_client} to the gateway as {@code localhost}, trusting the test CA. */
  private static Openssl.Result client(String stdin, String... args) {
    java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("s_client",
        "-connect", "127.0.0.1:" + gw.port, "-servername", "localhost",
        "-CAfile", ca.certificate().toString()));
    all.addAll(java.util.List.of(args));
    return Openssl.exec(dir, stdin, all.toArray(String[]::new));
  }

  @Test
  void tls12WithAnAeadSuiteIsServed() {
    Openssl.Result r = client(HTTP_GET, "-tls1_2", "-ign_eof");
    assertTrue(r.output().contains("Protocol  : TLSv1.2")
        && r.output().contains("Verify return code: 0 (ok)")
        && r.output().contains("HTTP/1.1 200"), r.output());
    assertTrue(r.output().matches("(?s).*Cipher is ECDHE-RSA-(AES128-GCM-SHA256|AES256-GCM-SHA384"
        + "|CHACHA20-POLY1305).*"), "an ECDHE AEAD suite: " + r.output());
  }

  @Test
  void tls11IsRefusedByTheServer() {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal is the server's
    Openssl.Result r = client("", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
    assertNotEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("alert protocol version"), "the server's protocol_version"
        + " alert: " + r.output());
  }

  @Test
  void aCbcSuiteIsRefused() {
    Openssl.Result r = client("", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA");
    assertNotEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("alert handshake failure"), "handshake_failure: " + r.output());
  }

  @Test
  void tls12SessionsResume() {
    Openssl.Result r = client("", "-tls1_2", "-reconnect");
    long reused = r.output().lines().filter(l -> l.startsWith("Reused, TLSv1.2")).count();
    assertEquals(5, reused, "the five reconnects of -reconnect resume the session: " + r.output());
  }

  @Test
  void tls13SessionsResume() throws Exception {
    Path session = java.nio.file.Files.createTempFile(dir, "tls13", ".session");
    Openssl.Result first = client(HTTP_GET, "-tls1_3", "-ign_eof", "-sess_out", session.toString());
    assertTrue(first.output().contains("New, TLSv1.3"), first.output());
    Openssl.Result second = client(HTTP_GET, "-tls1_3", "-ign_eof", "-sess_in", session.toString());
    assertTrue(second.output().contains("Reused, TLSv1.3"), "a resumed TLS 1.3 session (PSK from"
        + " the server's session ticket): " + second.output());
    assertTrue(second.output().contains("HTTP/1.1 200"), second.output());
  }
}
