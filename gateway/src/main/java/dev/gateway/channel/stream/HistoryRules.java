package dev.gateway.channel.stream;

import dev.gateway.auth.Permissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which channels keep history, and how much: rules by address pattern, first match wins. A rule
 * is written {@code PATTERN size=N maxBytes=N ttlSeconds=N} (the setting {@code history.channels}):
 * the stream keeps at most {@code size} publications and {@code maxBytes} bytes of them, each for
 * at most {@code ttlSeconds}, and the whole stream is forgotten once {@code ttlSeconds} pass
 * without a publication.
 */
public final class HistoryRules {

  /** One rule. */
  public record Rule(String pattern, int size, long maxBytes, long ttlSeconds) {
  }

  private final List<Rule> rules;
  private final List<Pattern> patterns;

  private HistoryRules(List<Rule> rules) {
    this.rules = List.copyOf(rules);
    this.patterns = rules.stream().map(r -> Permissions.globPattern(r.pattern())).toList();
  }

  /**
   * Parses the setting's entries; throws IllegalArgumentException naming the entry that is not
   * {@code PATTERN size=N maxBytes=N ttlSeconds=N} with positive numbers.
   */
  public static HistoryRules parse(List<String> entries) {
    List<Rule> rules = new ArrayList<>();
    for (String entry : entries) {
      String[] parts = entry.trim().split("\\s+");
      if (parts.length != 4 || parts[0].isEmpty()) {
        throw new IllegalArgumentException("'" + entry + "': expected PATTERN size=N maxBytes=N ttlSeconds=N");
      }
      long size = number(entry, parts[1], "size");
      long maxBytes = number(entry, parts[2], "maxBytes");
      long ttl = number(entry, parts[3], "ttlSeconds");
      if (size > 100_000) {
        throw new IllegalArgumentException("'" + entry + "': size is at most 100000");
      }
      rules.add(new Rule(parts[0], (int) size, maxBytes, ttl));
    }
    return new HistoryRules(rules);
  }

  private static long number(String entry, String part, String name) {
    if (!part.startsWith(name + "=")) {
      throw new IllegalArgumentException("'" + entry + "': expected " + name + "=N, found '" + part + "'");
    }
    try {
      long v = Long.parseLong(part.substring(name.length() + 1));
      if (v <= 0) {
        throw new IllegalArgumentException("'" + entry + "': " + name + " must be > 0");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + entry + "': " + name + " is not a number");
    }
  }

  /** The rule of a channel, or null when it keeps no history. */
  public Rule ruleFor(String channel) {
    for (int i = 0; i < patterns.size(); i++) {
      if (patterns.get(i).matcher(channel).matches()) {
        return rules.get(i);
      }
    }
    return null;
  }

  public List<Rule> rules() {
    return rules;
  }

  public boolean isEmpty() {
    return rules.isEmpty();
  }
}
