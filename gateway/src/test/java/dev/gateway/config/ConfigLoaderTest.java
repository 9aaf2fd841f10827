package dev.gateway.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Defaults, file (JSON/YAML), environment precedence, validation and the Settings table itself. */
class ConfigLoaderTest {

  @TempDir
  Path dir;

  private static GatewayConfig defaults() {
    return ConfigLoader.load((Path) null, Map.of());
  }

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  private static void fails(Executable load, String... mentioned) {
    ConfigException e = assertThrows(ConfigException.class, load);
    for (String m : mentioned) {
      assertTrue(e.getMessage().contains(m), "message '" + e.getMessage() + "' should name " + m);
    }
  }

  private void failsFile(String name, String text, String... mentioned) throws IOException {
    Path f = write(name, text);
    fails(() -> ConfigLoader.load(f, Map.of()), mentioned);
  }

  /** Reads the record value a dotted path names, e.g. server.port -> config.server().port(). */
  static Object valueAt(GatewayConfig config, String path) throws ReflectiveOperationException {
    Object current = config;
    for (String part : path.split("\\.")) {
      RecordComponent rc = Arrays.stream(current.getClass().getRecordComponents())
          .filter(c -> c.getName().equals(part)).findFirst()
          .orElseThrow(() -> new AssertionError("GatewayConfig has no '" + part + "' for " + path));
      current = rc.getAccessor().invoke(current);
    }
    return current;
  }

  @Test
  void defaultsEqualTheSettingsTable() throws ReflectiveOperationException {
    GatewayConfig c = defaults();
    assertEquals(8080, c.server().port());
    assertEquals("0.0.0.0", c.server().host());
    assertEquals(List.of("chat.*"), c.permissions().publish());
    assertEquals(List.of("echo"), c.permissions().send());
    assertEquals(List.of("websocket", "xhr", "eventsource"), c.sockjs().transports());
    for (Setting s : Settings.ALL) {
      assertEquals(s.defaultValue(), valueAt(c, s.path()), s.path());
    }
    assertEquals(c, ConfigLoader.load(new String[0], Map.of()));
    assertEquals(c, ConfigLoader.fromJson(new JsonObject(), Map.of()));
  }

  @Test
  void jsonFileOverridesDefaults() throws IOException {
    Path f = write("gw.json", """
        {"server": {"port": 9000, "host": "127.0.0.1"},
         "permissions": {"publish": ["a.*", "b"]},
         "limits": {"requestTimeoutMs": 1234}, "demo": {"enabled": false},
         "api": {"key": "k1"}}""");
    GatewayConfig c = ConfigLoader.load(f, Map.of());
    assertEquals(9000, c.server().port());
    assertEquals("127.0.0.1", c.server().host());
    assertEquals(List.of("a.*", "b"), c.permissions().publish());
    assertEquals(1234L, c.limits().requestTimeoutMs());
    assertFalse(c.demo().enabled());
    assertEquals("k1", c.api().key());
    assertEquals(List.of("echo"), c.permissions().send()); // untouched: default
    assertEquals(defaults().sockjs(), c.sockjs());
  }

  @ParameterizedTest
  @ValueSource(strings = {"gw.yaml", "gw.yml"})
  void yamlFileOverridesDefaults(String name) throws IOException {
    Path f = write(name, """
        # comment
        server:
          port: 9000
        permissions:
          publish: [a.*, b]
          send:
            - echo
            - svc.*
        sockjs:
          transports: [websocket]
        demo:
          clockIntervalMs: 250
        """);
    GatewayConfig c = ConfigLoader.load(f, Map.of());
    assertEquals(9000, c.server().port());
    assertEquals(List.of("a.*", "b"), c.permissions().publish());
    assertEquals(List.of("echo", "svc.*"), c.permissions().send());
    assertEquals(List.of("websocket"), c.sockjs().transports());
    assertEquals(250L, c.demo().clockIntervalMs());
  }

  @Test
  void environmentWinsOverFile() throws IOException {
    Path f = write("gw.yaml", "server: {port: 9000}\npermissions: {publish: [a.*]}\napi: {key: filekey}\n");
    GatewayConfig c = ConfigLoader.load(f, Map.of("GATEWAY_PORT", "9100",
        "GATEWAY_PERMISSIONS_PUBLISH", "x.*, y", "GATEWAY_DEMO_ENABLED", "false", "GATEWAY_API_KEY", "envkey"));
    assertEquals(9100, c.server().port());
    assertEquals(List.of("x.*", "y"), c.permissions().publish());
    assertFalse(c.demo().enabled());
    assertEquals("envkey", c.api().key());
    assertNull(ConfigLoader.load(f, Map.of("GATEWAY_API_KEY", " ")).api().key(), "blank key = unset");
  }

  @Test
  void configFileIsNamedByArgsOrEnvironment() throws IOException {
    Path a = write("a.yaml", "server: {port: 9001}\n");
    Path b = write("b.json", "{\"server\": {\"port\": 9002}}");
    assertEquals(9001, ConfigLoader.load(new String[] {"--config", a.toString()}, Map.of()).server().port());
    assertEquals(9002, ConfigLoader.load(new String[] {"--config=" + b}, Map.of()).server().port());
    assertEquals(9001, ConfigLoader.load(new String[0], Map.of("GATEWAY_CONFIG", a.toString())).server().port());
    // the command line wins over GATEWAY_CONFIG; GATEWAY_PORT still wins over both files
    Map<String, String> env = Map.of("GATEWAY_CONFIG", a.toString());
    assertEquals(9002, ConfigLoader.load(new String[] {"--config", b.toString()}, env).server().port());
    assertEquals(9003, ConfigLoader.load(new String[] {"--config", b.toString()},
        Map.of("GATEWAY_PORT", "9003")).server().port());
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "gw.yaml; 'serverr: {port: 1}'; serverr.port",
      "gw.yaml; 'server: {prot: 1}'; server.prot",
      "gw.yaml; 'foo: 1'; foo",
      "gw.json; '{\"limits\": {\"maxAdressLength\": 3}}'; limits.maxAdressLength",
      "gw.yaml; 'server: 5'; server"})
  void unknownKeyInFileIsNamed(String name, String text, String key) throws IOException {
    failsFile(name, text, "'" + key + "'");
  }

  @Test
  void unknownKeyInJsonConfigIsRejected() {
    fails(() -> ConfigLoader.fromJson(new JsonObject().put("demo", new JsonObject().put("x", 1)),
        Map.of()), "demo.x");
    GatewayConfig c = ConfigLoader.fromJson(new JsonObject().put("permissions",
        new JsonObject().put("send", new JsonArray().add("a").add("b"))), Map.of());
    assertEquals(List.of("a", "b"), c.permissions().send());
  }

  @Test
  void nonStringKeysInYamlAreConfigErrors() throws IOException {
    // YAML 1.1 reads `1:` as an integer key and `on:` as a boolean key; both are unknown settings
    failsFile("n.yaml", "server:\n  port: 9000\n1: x\n", "'1'");
    failsFile("b.yaml", "demo:\n  on: true\n", "demo");
  }

  @ParameterizedTest
  @CsvSource({"GATEWAY_PORT, abc", "GATEWAY_PORT, 80.5", "GATEWAY_PORT, 99999999999",
      "GATEWAY_SHUTDOWN_TIMEOUT_MS, 1e3", "GATEWAY_MAX_ADDRESS_LENGTH, ''",
      "GATEWAY_DEMO_ENABLED, maybe", "GATEWAY_DEMO_ENABLED, ''"})
  void malformedEnvironmentValueNamesTheVariable(String env, String value) {
    fails(() -> ConfigLoader.load((Path) null, Map.of(env, value)), env);
  }

  @ParameterizedTest
  @CsvSource({"true, true", "1, true", "YES, true", "on, true", "false, false", "0, false",
      "No, false", "off, false"})
  void booleanSpellings(String text, boolean expected) {
    assertEquals(expected, ConfigLoader.load((Path) null, Map.of("GATEWAY_DEMO_ENABLED", text))
        .demo().enabled());
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "GATEWAY_PORT; 70000; server.port", "GATEWAY_PORT; -1; server.port",
      "GATEWAY_SOCKJS_TRANSPORTS; websocket, carrier-pigeon; carrier-pigeon",
      "GATEWAY_HOST; '  '; server.host", "GATEWAY_EVENT_LOOPS; -2; server.eventLoops",
      "GATEWAY_SOCKJS_HEARTBEAT_MS; 0; sockjs.heartbeatMs", "GATEWAY_DEMO_CLOCK_INTERVAL_MS; -5; demo.clockIntervalMs",
      "GATEWAY_TRUSTED_PROXIES; 10.0.0.0/33; security.trustedProxies",
      "GATEWAY_TRUSTED_PROXIES; 10.0.0.5, proxy.example.com; proxy.example.com"})
  void invalidValuesAreRejected(String env, String value, String mentioned) {
    fails(() -> ConfigLoader.load((Path) null, Map.of(env, value)), mentioned);
  }

  @Test
  void negativeLimitsAreRejected() throws IOException {
    for (Setting s : Settings.ALL) {
      if (s.path().startsWith("limits.")) {
        fails(() -> ConfigLoader.load((Path) null, Map.of(s.env(), "-1")), s.path());
        failsFile("neg.yaml", "limits:\n  " + s.path().substring("limits.".length()) + ": -1\n", s.path());
      }
    }
    failsFile("port.json", "{\"server\": {\"port\": 70000}}", "server.port");
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      // 4294976296 = 2^32 + 9000: must not silently become port 9000
      "o.yaml; 'server: {port: 4294976296}'; server.port",
      "f.json; '{\"limits\": {\"maxAddressLength\": 2.5}}'; limits.maxAddressLength",
      "l.yaml; 'limits: {requestTimeoutMs: 1.9}'; limits.requestTimeoutMs"})
  void numbersInFileMustFitTheirType(String name, String text, String path) throws IOException {
    failsFile(name, text, path);
  }

  @Test
  void missingOrMalformedFileIsConfigError() throws IOException {
    Path missing = dir.resolve("nope.yaml");
    fails(() -> ConfigLoader.load(missing, Map.of()), "nope.yaml");
    fails(() -> ConfigLoader.load(new String[] {"--config", missing.toString()}, Map.of()));
    fails(() -> ConfigLoader.load(new String[0], Map.of("GATEWAY_CONFIG", missing.toString())));
    failsFile("bad.json", "{\"server\": ");
    failsFile("bad.yaml", "server: [unclosed\n");
    failsFile("list.yaml", "- a\n- b\n");
  }

  @Test
  void emptyYamlFileMeansDefaults() throws IOException {
    assertEquals(defaults(), ConfigLoader.load(write("empty.yaml", ""), Map.of()));
    assertEquals(defaults(), ConfigLoader.load(write("comments.yml", "# nothing\n"), Map.of()));
  }

  @Test
  void nullForANumberOrListIsRejected() throws IOException {
    failsFile("n.yaml", "server:\n  port: null\n", "server.port");
    failsFile("n.json", "{\"server\": {\"port\": null}}", "server.port");
    failsFile("l.yaml", "permissions: {publish: ~}\n", "permissions.publish");
    failsFile("b.yaml", "demo: {enabled: null}\n", "demo.enabled");
  }

  private static final Map<Setting.Type, Class<?>> JAVA_TYPES = Map.of(Setting.Type.STRING,
      String.class, Setting.Type.INT, Integer.class, Setting.Type.LONG, Long.class,
      Setting.Type.BOOLEAN, Boolean.class, Setting.Type.LIST, List.class);

  @Test
  void settingsHaveUniquePathsAndEnvironmentNames() {
    Set<String> paths = new HashSet<>();
    Set<String> envs = new HashSet<>();
    for (Setting s : Settings.ALL) {
      assertTrue(paths.add(s.path()), "duplicate path " + s.path());
      assertTrue(envs.add(s.env()), "duplicate env " + s.env());
      assertTrue(s.env().matches("GATEWAY_[A-Z0-9_]+"), "env must start with GATEWAY_: " + s.env());
      assertNotEquals(ConfigLoader.CONFIG_FILE_ENV, s.env());
      assertTrue(s.path().matches("[a-z]+(\\.[a-z][A-Za-z0-9]*)+"), s.path());
      assertFalse(s.doc() == null || s.doc().isBlank(), "undocumented " + s.path());
      assertTrue(s.defaultValue() == null ? s.type() == Setting.Type.STRING
          : JAVA_TYPES.get(s.type()).isInstance(s.defaultValue()), "default type of " + s.path());
    }
    assertThrows(IllegalArgumentException.class,
        () -> new Setting("x.y", "PORT", Setting.Type.INT, 1, "doc"));
  }

  @Test
  void everySettingReachesGatewayConfig() throws ReflectiveOperationException {
    for (Setting s : Settings.ALL) {
      Map<String, String> env = new HashMap<>();
      COMPANIONS.getOrDefault(s.path(), Map.of()).forEach((path, v) -> env.put(Settings.ALL.stream()
          .filter(x -> x.path().equals(path)).findFirst().orElseThrow().env(), v));
      GatewayConfig base = ConfigLoader.load((Path) null, env);
      Object expected = nonDefault(s);
      String text = expected instanceof List<?> l
          ? l.stream().map(String::valueOf).collect(Collectors.joining(", ")) : String.valueOf(expected);
      env.put(s.env(), text);
      GatewayConfig c = assertDoesNotThrow(() -> ConfigLoader.load((Path) null, env),
          () -> s.env() + "=" + text + " is invalid: put a valid value for " + s.path() + " in NON_DEFAULTS");
      assertNotEquals(base, c, s.env() + "=" + text + " changed nothing");
      assertEquals(expected, valueAt(c, s.path()), s.env() + " did not reach " + s.path());
    }
  }

  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  /** Valid non-default values for settings whose domain a generic value would not fit. */
  private static final Map<String, Object> NON_DEFAULTS = Map.of(
      "security.allowedOrigins", List.of("https://app.example.com", "http://localhost:3000"),
      "security.trustedProxies", List.of("10.0.0.0/8", "2001:db8::7"),
      "auth.mode", "optional", "auth.hs256Secret", SECRET, "cluster.secret", SECRET,
      "management.port", "9090",
      "history.channels", List.of("news.* size=10 maxBytes=4096 ttlSeconds=60"),
      "presence.intervalMs", 250L);
  /** The event-bus TLS files go together: each is changed from a base where all three are set. */
  private static final Map<String, String> TLS_FILES = Map.of("cluster.tls.certFile", "/c.pem",
      "cluster.tls.keyFile", "/k.pem", "cluster.tls.caFile", "/ca.pem");
  private static final Map<String, String> SERVER_TLS_FILES = Map.of("server.tls.certFile", "/c.pem",
      "server.tls.keyFile", "/k.pem");
  /** Other settings (path -> value) a non-default value needs to be valid. */
  private static final Map<String, Map<String, String>> COMPANIONS = Map.of(
      "auth.mode", Map.of("auth.hs256Secret", SECRET),
      "cluster.enabled", Map.of("cluster.secret", SECRET),
      "cluster.tls.certFile", TLS_FILES, "cluster.tls.keyFile", TLS_FILES, "cluster.tls.caFile", TLS_FILES,
      // the client port's certificate and key go together too: changed from a base with both
      "server.tls.certFile", SERVER_TLS_FILES, "server.tls.keyFile", SERVER_TLS_FILES);

  private static Object nonDefault(Setting s) {
    Object d = s.defaultValue();
    if (NON_DEFAULTS.containsKey(s.path())) {
      return NON_DEFAULTS.get(s.path());
    }
    return switch (s.type()) {
      case STRING -> d == null ? "changed" : d + ".changed";
      case INT -> (Integer) d + 1;
      case LONG -> (Long) d + 1;
      case BOOLEAN -> !(Boolean) d;
      case LIST -> {
        List<?> l = (List<?>) d;
        yield l.size() > 1 ? List.copyOf(l.subList(0, l.size() - 1))
            : Stream.concat(l.stream(), Stream.of("changed.*")).toList();
      }
    };
  }
}
