package dev.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Validation of the settings that keep channels apart from services, bound the byte rate and the
 * lifetime of tokens: their defaults, and the configurations start-up refuses with a message
 * naming the settings.
 */
class SecureDefaultsConfigTest {

  private static GatewayConfig load(Map<String, String> env) {
    return ConfigLoader.load((Path) null, env);
  }

  private static String refused(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> load(env), "accepted: " + env).getMessage();
  }

  private static void mentions(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "'" + message + "' should mention " + p);
    }
  }

  @Test
  void defaults() {
    GatewayConfig c = load(Map.of());
    assertEquals(List.of("chat.*", "clock"), c.permissions().subscribe());
    assertEquals(List.of("echo"), c.permissions().send());
    assertFalse(c.permissions().allowAnySubscribe());
    assertEquals(65_536, c.limits().bytesPerSecond());
    assertEquals(524_288, c.limits().byteBurst());
    assertTrue(c.auth().requireExpiry());
    assertEquals(86_400, c.auth().maxTokenLifetimeSeconds());
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      // subscribe; send; the subscribe pattern, the send pattern and an address both match
      "chat.*, clock; *; chat.*; *; chat.",
      "chat.*; echo, chat.bot; chat.*; chat.bot; chat.bot",
      "billing.*; *.charge; billing.*; *.charge; billing.charge",
      "clock, news.*; news.ticker; news.*; news.ticker; news.ticker",
      "a*; *b; a*; *b; ab"})
  void overlappingSubscribeAndSendPatternsAreRefused(String subscribe, String send, String channels,
                                                      String services, String example) {
    String m = refused(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", subscribe, "GATEWAY_PERMISSIONS_SEND", send));
    mentions(m, "permissions.subscribe pattern '" + channels + "'",
        "permissions.send pattern '" + services + "'", "both match '" + example + "'");
  }

  @Test
  void overlapIsRefusedFromAFileToo() {
    JsonObject file = new JsonObject().put("permissions", new JsonObject()
        .put("subscribe", new JsonArray().add("orders.*")).put("send", new JsonArray().add("orders.create")));
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromJson(file, Map.of()));
    mentions(e.getMessage(), "'orders.*'", "'orders.create'");
  }

  @Test
  void disjointPatternsAreAccepted() {
    GatewayConfig c = load(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", "chat.*, news.*, clock",
        "GATEWAY_PERMISSIONS_SEND", "echo, svc.*, rpc.*"));
    assertEquals(List.of("chat.*", "news.*", "clock"), c.permissions().subscribe());
    // no send patterns at all: nothing to overlap
    load(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", "room.*", "GATEWAY_PERMISSIONS_SEND", ""));
  }

  @Test
  void aBareStarNeedsAllowAnySubscribe() {
    String m = refused(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", "*", "GATEWAY_PERMISSIONS_SEND", ""));
    mentions(m, "permissions.subscribe", "'*'", "permissions.allowAnySubscribe=true");
    refused(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", "chat.*, *", "GATEWAY_PERMISSIONS_SEND", ""));
    refused(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", "*", "GATEWAY_PERMISSIONS_ALLOW_ANY_SUBSCRIBE", "false"));

    GatewayConfig c = load(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", "*",
        "GATEWAY_PERMISSIONS_ALLOW_ANY_SUBSCRIBE", "true"));
    assertEquals(List.of("*"), c.permissions().subscribe());
    assertTrue(c.permissions().allowAnySubscribe());
    // the other subscribe patterns are still checked against the send patterns
    String other = refused(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", "*, echo.*",
        "GATEWAY_PERMISSIONS_SEND", "echo.x", "GATEWAY_PERMISSIONS_ALLOW_ANY_SUBSCRIBE", "yes"));
    mentions(other, "'echo.*'", "'echo.x'");
    // a star inside a pattern is not a bare star
    load(Map.of("GATEWAY_PERMISSIONS_SUBSCRIBE", "*.public", "GATEWAY_PERMISSIONS_SEND", "echo"));
  }

  @Test
  void allowAnySubscribeIsABoolean() {
    mentions(refused(Map.of("GATEWAY_PERMISSIONS_ALLOW_ANY_SUBSCRIBE", "maybe")),
        "GATEWAY_PERMISSIONS_ALLOW_ANY_SUBSCRIBE");
  }

  @Test
  void byteRateSettings() {
    GatewayConfig c = load(Map.of("GATEWAY_BYTES_PER_SECOND", "1000", "GATEWAY_BYTE_BURST", "262144"));
    assertEquals(1000, c.limits().bytesPerSecond());
    assertEquals(262_144, c.limits().byteBurst());
    mentions(refused(Map.of("GATEWAY_BYTES_PER_SECOND", "0")), "limits.bytesPerSecond");
    mentions(refused(Map.of("GATEWAY_BYTES_PER_SECOND", "lots")), "GATEWAY_BYTES_PER_SECOND");
    // the burst must hold the largest message, or such a message could never pass
    mentions(refused(Map.of("GATEWAY_BYTE_BURST", "262143")), "limits.byteBurst", "limits.maxMessageBytes");
    mentions(refused(Map.of("GATEWAY_MAX_MESSAGE_BYTES", "1048576")), "limits.byteBurst");
    load(Map.of("GATEWAY_MAX_MESSAGE_BYTES", "1048576", "GATEWAY_BYTE_BURST", "1048576"));
    load(Map.of("GATEWAY_MAX_MESSAGE_BYTES", "4096", "GATEWAY_BYTE_BURST", "4096"));
  }

  @Test
  void tokenLifetimeSettings() {
    GatewayConfig c = load(Map.of("GATEWAY_JWT_REQUIRE_EXPIRY", "false",
        "GATEWAY_JWT_MAX_LIFETIME_SECONDS", "3600"));
    assertFalse(c.auth().requireExpiry());
    assertEquals(3600, c.auth().maxTokenLifetimeSeconds());
    mentions(refused(Map.of("GATEWAY_JWT_MAX_LIFETIME_SECONDS", "0")), "auth.maxTokenLifetimeSeconds");
    mentions(refused(Map.of("GATEWAY_JWT_MAX_LIFETIME_SECONDS", "-5")), "auth.maxTokenLifetimeSeconds");
    mentions(refused(Map.of("GATEWAY_JWT_REQUIRE_EXPIRY", "sometimes")), "GATEWAY_JWT_REQUIRE_EXPIRY");
  }
}
