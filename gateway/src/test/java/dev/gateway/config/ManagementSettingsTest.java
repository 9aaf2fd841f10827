package dev.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code management.port} and {@code management.host}: unset by default (everything on the main
 * port), a port number from a file or the environment, refused at start-up when it is not one or
 * when it is the main port.
 */
class ManagementSettingsTest {

  private static GatewayConfig env(Map<String, String> env) {
    return ConfigLoader.load((Path) null, env);
  }

  @Test
  void unsetByDefaultSoManagementSharesTheMainPort() {
    GatewayConfig c = env(Map.of());
    assertFalse(c.management().separate());
    assertFalse(env(Map.of("GATEWAY_MANAGEMENT_PORT", " ")).management().separate(), "blank = unset");
  }

  @Test
  void aPortFromTheEnvironmentOrAFile() {
    GatewayConfig c = env(Map.of("GATEWAY_MANAGEMENT_PORT", "9090"));
    assertTrue(c.management().separate());
    assertEquals(9090, c.management().portNumber());
    assertEquals("0.0.0.0", c.management().effectiveHost(c.server()), "unset host: the main server's");
    GatewayConfig f = ConfigLoader.fromJson(new JsonObject().put("management",
        new JsonObject().put("port", 9191).put("host", "127.0.0.1")), Map.of());
    assertEquals(9191, f.management().portNumber());
    assertEquals("127.0.0.1", f.management().effectiveHost(f.server()));
  }

  @Test
  void zeroPicksAFreePortBesideAFreeMainPort() {
    GatewayConfig c = env(Map.of("GATEWAY_PORT", "0", "GATEWAY_MANAGEMENT_PORT", "0"));
    assertEquals(0, c.management().portNumber());
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "90.5", "-1", "65536", "8080"})
  void aValueThatIsNotASeparatePortStopsTheNode(String port) {
    ConfigException e = assertThrows(ConfigException.class, () -> env(Map.of("GATEWAY_MANAGEMENT_PORT", port)));
    assertTrue(e.getMessage().contains("management.port"), e.getMessage());
  }
}
