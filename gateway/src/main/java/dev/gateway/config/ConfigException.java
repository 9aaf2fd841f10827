package dev.gateway.config;

/** A configuration value is missing, malformed or out of range. The message names the setting. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
