package dev.gateway.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Builds the effective configuration: {@link Settings#ALL} defaults, then a JSON or YAML file,
 * then {@code GATEWAY_*} environment variables (the environment wins). Unknown keys in the file
 * are an error, so a typo never silently falls back to a default.
 */
public final class ConfigLoader {

  /** Environment variable naming the config file. */
  public static final String CONFIG_FILE_ENV = "GATEWAY_CONFIG";

  private ConfigLoader() {
  }

  /** Loads from the given file (may be null) and the given environment. */
  public static GatewayConfig load(Path file, Map<String, String> env) {
    return resolve(file == null ? Map.of() : readFile(file), env);
  }

  /** Loads with the file named by {@code --config PATH} or {@code GATEWAY_CONFIG}, if any. */
  public static GatewayConfig load(String[] args, Map<String, String> env) {
    String file = env.get(CONFIG_FILE_ENV);
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        file = args[i].substring("--config=".length());
      }
    }
    return load(file == null || file.isBlank() ? null : Path.of(file), env);
  }

  /** Parses a JSON object given as a config (used by tests and embedders). */
  public static GatewayConfig fromJson(JsonObject json, Map<String, String> env) {
    return resolve(json.getMap(), env);
  }

  /** Defaults, then the file's (or JSON's) values, then the environment, which wins. */
  private static GatewayConfig resolve(Map<?, ?> file, Map<String, String> env) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Setting s : Settings.ALL) {
      values.put(s.path(), s.defaultValue());
    }
    flatten("", file, values);
    for (Setting s : Settings.ALL) {
      String v = env.get(s.env());
      if (v != null) {
        values.put(s.path(), s.parse(v));
      }
    }
    return GatewayConfig.from(values);
  }

  private static Map<String, Object> readFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    String name = file.getFileName().toString().toLowerCase();
    try {
      if (name.endsWith(".json")) {
        return new JsonObject(text).getMap();
      }
      Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
      if (parsed == null) {
        return Map.of();
      }
      if (!(parsed instanceof Map<?, ?> map)) {
        throw new ConfigException("config file " + file + " must hold an object at the top");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> result = (Map<String, Object>) map;
      return result;
    } catch (ConfigException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ConfigException("cannot parse config file " + file + ": " + e.getMessage());
    }
  }

  private static void flatten(String prefix, Map<?, ?> in, Map<String, Object> out) {
    for (Map.Entry<?, ?> e : in.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new ConfigException("config keys must be strings, found '" + e.getKey() + "'"
            + (prefix.isEmpty() ? "" : " under '" + prefix + "'"));
      }
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      Object v = e.getValue();
      if (v instanceof JsonObject j) {
        v = j.getMap();
      }
      if (v instanceof Map<?, ?> m && !out.containsKey(path)) {
        flatten(path, m, out);
      } else if (out.containsKey(path)) {
        out.put(path, coerce(setting(path), v));
      } else {
        throw new ConfigException("unknown setting '" + path + "' in config file");
      }
    }
  }

  /** A file's number for an INT or LONG setting: whole and in range, never silently cut. */
  private static Object wholeNumber(Setting s, Number n) {
    java.math.BigDecimal d;
    try {
      d = new java.math.BigDecimal(n.toString());
    } catch (NumberFormatException e) {
      throw new ConfigException("setting '" + s.path() + "' must be a whole number, not " + n);
    }
    try {
      long whole = d.longValueExact();
      if (s.type() == Setting.Type.INT) {
        return Math.toIntExact(whole);
      }
      return whole;
    } catch (ArithmeticException e) {
      throw new ConfigException("setting '" + s.path() + "' must be a whole number in range, not " + n);
    }
  }

  private static Setting setting(String path) {
    return Settings.ALL.stream().filter(s -> s.path().equals(path)).findFirst().orElseThrow();
  }

  private static Object coerce(Setting s, Object v) {
    if (v == null) {
      if (s.type() == Setting.Type.STRING) {
        return null;
      }
      throw new ConfigException("setting '" + s.path() + "' must not be null");
    }
    return switch (s.type()) {
      case STRING -> String.valueOf(v);
      case INT, LONG -> {
        if (v instanceof Number n) {
          yield wholeNumber(s, n);
        }
        yield s.parse(String.valueOf(v));
      }
      case BOOLEAN -> v instanceof Boolean b ? b : s.parse(String.valueOf(v));
      case LIST -> {
        if (v instanceof List<?> l) {
          List<String> out = new ArrayList<>();
          l.forEach(x -> out.add(String.valueOf(x)));
          yield List.copyOf(out);
        }
        if (v instanceof io.vertx.core.json.JsonArray a) {
          List<String> out = new ArrayList<>();
          a.forEach(x -> out.add(String.valueOf(x)));
          yield List.copyOf(out);
        }
        yield s.parse(String.valueOf(v));
      }
    };
  }
}
