package dev.gateway.k8s.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Typed access to parsed YAML (maps and lists), failing with the place it was reading. */
public final class Yamls {

  private Yamls() {
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object o, String where) {
    assertTrue(o instanceof Map<?, ?>, where + ": expected a mapping, got " + o);
    return (Map<String, Object>) o;
  }

  public static List<?> list(Object o, String where) {
    assertTrue(o instanceof List<?> l && !l.isEmpty(), where + ": expected a non-empty list, got " + o);
    return (List<?>) o;
  }

  public static Map<String, String> stringMap(Map<String, Object> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  /** Fails when {@code m} has a key outside {@code allowed} (a misspelt or unsupported field). */
  public static void allowedKeys(Map<String, Object> m, String where, String... allowed) {
    Set<String> extra = new TreeSet<>(m.keySet());
    extra.removeAll(Set.of(allowed));
    assertTrue(extra.isEmpty(), where + ": unknown field(s) " + extra);
  }
}
