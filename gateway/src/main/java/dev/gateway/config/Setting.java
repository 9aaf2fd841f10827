package dev.gateway.config;

import java.util.List;

/**
 * One configuration setting: where it lives in a config file ({@code path}), the environment
 * variable that overrides it, its type, its default and what it means. {@link Settings#ALL} is
 * the single source of truth: the loader, the validation and the table in docs/configuration.md
 * all come from it.
 */
public record Setting(String path, String env, Type type, Object defaultValue, String doc) {

  public enum Type { STRING, INT, LONG, BOOLEAN, LIST }

  public Setting {
    if (!env.startsWith("GATEWAY_")) {
      throw new IllegalArgumentException("environment variable must start with GATEWAY_: " + env);
    }
    if (type == Type.LIST && defaultValue != null && !(defaultValue instanceof List<?>)) {
      throw new IllegalArgumentException("list setting needs a list default: " + path);
    }
  }

  /** Converts an environment variable's text to this setting's type; lists are comma-separated. */
  Object parse(String text) {
    String t = text.trim();
    try {
      return switch (type) {
        case STRING -> text;
        case INT -> Integer.parseInt(t);
        case LONG -> Long.parseLong(t);
        case BOOLEAN -> parseBoolean(t);
        case LIST -> t.isEmpty() ? List.of() : List.of(t.split("\\s*,\\s*"));
      };
    } catch (NumberFormatException e) {
      throw new ConfigException(env + ": not a number: '" + text + "'");
    }
  }

  private Boolean parseBoolean(String t) {
    return switch (t.toLowerCase()) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw new ConfigException(env + ": not a boolean: '" + t + "'");
    };
  }
}
