package dev.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code java -jar gateway.jar} refuses to start on a configuration that mixes channels and
 * services, opens every address to clients without saying so, or names half a TLS configuration
 * or a TLS key that is not its certificate's: exit code 2 and a message naming the settings,
 * before anything listens.
 */
class UnsafeConfigurationIT {

  static final Path JAR = Path.of("target", "gateway.jar");

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "GATEWAY_PERMISSIONS_SEND; *; permissions.subscribe pattern 'chat.*' overlaps permissions.send pattern '*'",
      "GATEWAY_PERMISSIONS_SUBSCRIBE; *; permissions.allowAnySubscribe=true",
      "GATEWAY_BYTE_BURST; 1000; limits.byteBurst",
      "GATEWAY_TLS_KEY_FILE; /etc/gateway/tls.key; only server.tls.keyFile is set"})
  void theNodeDoesNotStart(String variable, String value, String message) throws Exception {
    refused(Map.of(variable, value), message);
  }

  @org.junit.jupiter.api.Test
  void aTlsKeyThatIsNotTheCertificatesStopsTheNode() throws Exception {
    dev.gateway.support.ServerCerts ca = dev.gateway.support.ServerCerts.newAuthority("exit-ca");
    var a = ca.issue("a", dev.gateway.support.ServerCerts.KeyType.RSA);
    var b = ca.issue("b", dev.gateway.support.ServerCerts.KeyType.RSA);
    refused(Map.of("GATEWAY_TLS_CERT_FILE", a.cert().toString(),
        "GATEWAY_TLS_KEY_FILE", b.key().toString()), "is not the private key of the certificate");
  }

  private static void refused(Map<String, String> settings, String message) throws Exception {
    String variable = String.join(", ", settings.keySet());
    String value = String.join(", ", settings.values());
    assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: run mvn package first");
    Path log = Files.createTempFile("unsafe-config", ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", JAR.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("GATEWAY_"));
    env.put("GATEWAY_HOST", "127.0.0.1");
    env.put("GATEWAY_PORT", "0");
    env.putAll(settings);
    Process p = pb.start();
    try {
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the node is still running with " + variable + "=" + value);
      String output = read(log);
      assertEquals(2, p.exitValue(), "exit code; output: " + output);
      assertTrue(output.contains("gateway: configuration error: ") && output.contains(message),
          "the output should name the problem (" + message + "): " + output);
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(log);
    }
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
