package dev.gateway.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.ServerCerts;
import dev.gateway.support.ServerCerts.KeyType;
import dev.gateway.support.TestGateway;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * With {@code server.tls.*} set, one port serves {@code wss://} (native WebSocket), SockJS over
 * {@code https://} and the HTTP API, to real clients that trust the test CA and check the host
 * name; with an RSA key and with an ECDSA key.
 */
class TlsTransportTest {

  static ServerCerts ca;
  static TlsClients clients;

  @BeforeAll
  static void authority() {
    ca = ServerCerts.newAuthority("transport-test-ca");
    clients = new TlsClients(ca);
  }

  @AfterAll
  static void closeClients() {
    clients.close();
  }

  static TestGateway gateway(KeyType type) {
    ServerCerts.Pair pair = ca.issue("gateway-" + type, type);
    return TestGateway.start(new JsonObject().put("server", new JsonObject()
        .put("tls", pair.tlsConfig(10_000))));
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void nativeWebSocketOverWssAndTheApiOverHttps(KeyType type) throws Exception {
    try (TestGateway gw = gateway(type)) {
      TlsClients.Socket a = clients.connect(gw.port);
      TlsClients.Socket b = clients.connect(gw.port);
      String expectedKey = type == KeyType.RSA ? "RSA" : "EC";
      X509Certificate served = (X509Certificate) a.session().getPeerCertificates()[0];
      assertEquals(expectedKey, served.getPublicKey().getAlgorithm(), "the server's key type");
      assertEquals("TLSv1.3", a.session().getProtocol(), "a TLS 1.3 client gets TLS 1.3");
      assertTrue(TlsPolicy.CIPHER_SUITES.contains(a.session().getCipherSuite()),
          "suite " + a.session().getCipherSuite());

      a.register("chat.tls");
      b.register("chat.tls");
      b.send(new JsonObject().put("type", "publish").put("address", "chat.tls")
          .put("body", new JsonObject().put("text", "over wss")));
      JsonObject rec = a.next(5);
      assertNotNull(rec, "a did not receive b's publication over wss://");
      assertEquals("over wss", rec.getJsonObject("body").getString("text"), "rec: " + rec);

      assertEquals(202, clients.publish(gw.port, "chat.tls", "from the API"), "publish over https");
      JsonObject fromApi = a.next(5);
      assertNotNull(fromApi, "the API's publication did not arrive");
      assertEquals("from the API", fromApi.getString("body"), "rec: " + fromApi);

      String[] ready = clients.request(HttpMethod.GET, gw.port, "/health/ready", null);
      assertEquals("200", ready[0], "readiness over https: " + ready[1]);
      TlsClients.await(a.ws().close());
      TlsClients.await(b.ws().close());
    }
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void sockJsOverHttps(KeyType type) {
    try (TestGateway gw = gateway(type)) {
      String[] info = clients.request(HttpMethod.GET, gw.port, "/eventbus/info", null);
      assertEquals("200", info[0], "info: " + info[1]);
      assertTrue(new JsonObject(info[1]).getBoolean("websocket"), "info: " + info[1]);

      String session = "/eventbus/000/tls" + type;
      assertEquals("o\n", clients.request(HttpMethod.POST, gw.port, session + "/xhr", null)[1],
          "xhr-polling open frame");
      String register = new JsonObject().put("type", "register").put("address", "chat.sockjs")
          .put("ack", "a1").encode();
      String[] sent = clients.request(HttpMethod.POST, gw.port, session + "/xhr_send",
          new JsonArray().add(register).encode());
      assertEquals("204", sent[0], "xhr_send: " + sent[1]);
      assertTrue(poll(gw.port, session, "a1").contains("ack"), "the register's ack over https");
      assertEquals(202, clients.publish(gw.port, "chat.sockjs", "to sockjs"), "publish over https");
      String polled = poll(gw.port, session, "to sockjs");
      assertTrue(polled.contains("to sockjs"),
          "the xhr-polling session did not receive the publication over https: " + polled);
    }
  }

  /** Polls (each poll a new TLS connection) until a frame contains {@code text}; all polled. */
  private static String poll(int port, String session, String text) {
    StringBuilder polled = new StringBuilder();
    for (int i = 0; i < 5 && !polled.toString().contains(text); i++) {
      polled.append(clients.request(HttpMethod.POST, port, session + "/xhr", null)[1]);
    }
    return polled.toString();
  }
}
