package dev.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every setting lands in the configuration field of its own name, never in another one. */
class ConfigBinderTest {

  private static Map<String, Object> defaults() {
    Map<String, Object> values = new LinkedHashMap<>();
    Settings.ALL.forEach(s -> values.put(s.path(), s.defaultValue()));
    return values;
  }

  /** The value of the record field named by a setting path, read through the records' accessors. */
  private static Object read(GatewayConfig config, String path) throws ReflectiveOperationException {
    Object current = config;
    for (String name : path.split("\\.")) {
      RecordComponent component = null;
      for (RecordComponent c : current.getClass().getRecordComponents()) {
        if (c.getName().equals(name)) {
          component = c;
        }
      }
      if (component == null) {
        throw new AssertionError("no field " + name + " on " + current.getClass().getSimpleName());
      }
      current = component.getAccessor().invoke(current);
    }
    return current;
  }

  @Test
  void everyNumericSettingReachesItsOwnField() throws ReflectiveOperationException {
    // a distinct value per numeric setting: a swap of two settings of the same type shows up
    Map<String, Object> values = defaults();
    Map<String, Number> expected = new HashMap<>();
    int n = 0;
    for (Setting s : Settings.ALL) {
      n++;
      if (s.type() == Setting.Type.INT) {
        int v = ((Integer) s.defaultValue()) + n;
        values.put(s.path(), v);
        expected.put(s.path(), v);
      } else if (s.type() == Setting.Type.LONG) {
        long v = ((Long) s.defaultValue()) + n;
        values.put(s.path(), v);
        expected.put(s.path(), v);
      }
    }
    GatewayConfig config = ConfigBinder.bind(values);
    assertTrue(expected.size() > 20, "numeric settings checked: " + expected.size());
    for (Map.Entry<String, Number> e : expected.entrySet()) {
      assertEquals(e.getValue(), read(config, e.getKey()), e.getKey());
    }
  }

  @Test
  void everySettingHasAFieldAndEveryFieldASetting() throws ReflectiveOperationException {
    GatewayConfig config = ConfigBinder.bind(defaults());
    for (Setting s : Settings.ALL) {
      Object v = read(config, s.path());
      if (s.defaultValue() != null) {
        assertEquals(s.defaultValue(), v, s.path());
      }
    }
    Map<String, Object> missing = defaults();
    missing.remove("limits.maxConnections");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConfigBinder.bind(missing));
    assertTrue(e.getMessage().contains("limits.maxConnections"), e.getMessage());
    Map<String, Object> extra = defaults();
    extra.put("limits.notAField", 1);
    e = assertThrows(IllegalStateException.class, () -> ConfigBinder.bind(extra));
    assertTrue(e.getMessage().contains("limits.notAField"), e.getMessage());
  }

  @Test
  void blankOptionalStringsAreUnsetAndListsAreCopied() throws ReflectiveOperationException {
    Map<String, Object> values = defaults();
    values.put("auth.issuer", "  ");
    java.util.ArrayList<String> origins = new java.util.ArrayList<>(List.of("https://a.example"));
    values.put("security.allowedOrigins", origins);
    GatewayConfig config = ConfigBinder.bind(values);
    assertNull(config.auth().issuer());
    origins.add("https://b.example");
    assertEquals(List.of("https://a.example"), read(config, "security.allowedOrigins"));
  }
}
