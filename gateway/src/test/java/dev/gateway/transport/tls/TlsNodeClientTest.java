package dev.gateway.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.ServerCerts;
import dev.gateway.support.ServerCerts.KeyType;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Node's {@code ws} (what many servers and devices use) over {@code wss://}: with the test CA it
 * chats through the gateway on TLS 1.3; without it, it refuses the certificate. The package is
 * installed with {@code npm ci} from src/test/node into target/test-node once.
 */
class TlsNodeClientTest {

  static final Path SOURCES = Path.of("src", "test", "node");
  static final Path INSTALL = Path.of("target", "test-node");

  @Test
  void nodeWsChatsOverWssAndRefusesAnUntrustedCertificate() throws Exception {
    Path dir = install();
    ServerCerts ca = ServerCerts.newAuthority("node-test-ca");
    ServerCerts.Pair pair = ca.issue("node", KeyType.EC);
    try (TestGateway gw = TestGateway.start(new JsonObject().put("server", new JsonObject()
        .put("tls", pair.tlsConfig(10_000))))) {
      JsonObject trusted = new JsonObject(node(dir, gw.port, ca.certificate().toString()));
      assertEquals("TLSv1.3", trusted.getString("protocol"), "Node's view: " + trusted);
      assertTrue(TlsPolicy.CIPHER_SUITES.contains(trusted.getString("cipher")), "Node's view: " + trusted);
      assertEquals("v1.eventbus.gateway", trusted.getString("subprotocol"), "Node's view: " + trusted);
      assertEquals("node ws", trusted.getJsonObject("body").getString("from"), "Node's view: " + trusted);

      JsonObject untrusted = new JsonObject(node(dir, gw.port, "-"));
      assertEquals("SELF_SIGNED_CERT_IN_CHAIN", untrusted.getString("error"),
          "Node without the test CA: " + untrusted);
    }
  }

  /** The script's output line. */
  private static String node(Path dir, int port, String ca) throws IOException, InterruptedException {
    Path node = Path.of("/usr/bin/node");
    assertTrue(Files.isExecutable(node), "this test runs Node's ws client: apt-get install nodejs npm");
    Process p = new ProcessBuilder(node.toString(), "wss-client.js", Integer.toString(port), ca)
        .directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "node did not finish within 30 s");
    assertEquals(0, p.exitValue(), "node failed: " + out);
    return out.lines().reduce((a, b) -> b).orElse("{}");
  }

  /** {@code npm ci} of src/test/node into target/test-node, unless already done for this lock. */
  static Path install() throws IOException, InterruptedException {
    Files.createDirectories(INSTALL);
    for (String f : new String[] {"package.json", "package-lock.json", "wss-client.js"}) {
      Files.copy(SOURCES.resolve(f), INSTALL.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    Path installed = INSTALL.resolve("node_modules/.package-lock.json");
    if (Files.exists(installed) && Files.readString(installed).contains("\"node_modules/ws\"")) {
      return INSTALL;
    }
    Process p;
    try {
      p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(INSTALL.toFile())
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("this test installs Node's ws with npm: apt-get install nodejs npm", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "npm ci did not finish within 300 s");
    assertEquals(0, p.exitValue(), "npm ci in " + INSTALL + " failed: " + out);
    return INSTALL;
  }
}
