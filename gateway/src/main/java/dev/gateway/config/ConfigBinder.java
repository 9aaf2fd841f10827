package dev.gateway.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the configuration records from the flat setting values by name: the component
 * {@code limits} of {@link GatewayConfig} is the record {@link GatewayConfig.Limits}, and its
 * component {@code maxConnections} takes the value of the setting {@code limits.maxConnections}.
 * Nothing is passed by position, so two settings of the same type cannot be swapped; a record
 * component without a setting, or a setting no component takes, is an error at start-up (and in
 * the unit tests).
 *
 * <p>Values arrive already typed by {@link Setting#parse} and the loader; a string setting whose
 * default is unset ({@code null}) reads a blank value as unset.
 */
final class ConfigBinder {

  private ConfigBinder() {
  }

  /** Binds {@link GatewayConfig} from every setting's value, keyed by setting path. */
  static GatewayConfig bind(Map<String, Object> values) {
    Set<String> used = new HashSet<>();
    GatewayConfig config = bindRecord(GatewayConfig.class, "", values, used);
    Set<String> unused = new HashSet<>(values.keySet());
    unused.removeAll(used);
    if (!unused.isEmpty()) {
      throw new IllegalStateException("settings no configuration record takes: " + unused);
    }
    return config;
  }

  private static <T extends Record> T bindRecord(Class<T> type, String prefix,
                                                 Map<String, Object> values, Set<String> used) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] args = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      String path = prefix + c.getName();
      if (c.getType().isRecord()) {
        args[i] = bindRecord(c.getType().asSubclass(Record.class), path + ".", values, used);
        continue;
      }
      if (!values.containsKey(path)) {
        throw new IllegalStateException("no setting for configuration field " + path);
      }
      used.add(path);
      args[i] = convert(path, c, values.get(path));
    }
    try {
      Constructor<T> constructor = type.getDeclaredConstructor(
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
      return constructor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
    }
  }

  private static Object convert(String path, RecordComponent c, Object v) {
    Class<?> t = c.getType();
    if (t == String.class) {
      String s = (String) v;
      return s != null && s.isBlank() && optional(path) ? null : s;
    }
    if (t == int.class) {
      return ((Number) v).intValue();
    }
    if (t == long.class) {
      return ((Number) v).longValue();
    }
    if (t == boolean.class) {
      return (Boolean) v;
    }
    if (t == List.class && c.getGenericType() instanceof ParameterizedType p
        && p.getActualTypeArguments()[0] == String.class) {
      @SuppressWarnings("unchecked")
      List<String> list = (List<String>) v;
      return List.copyOf(list);
    }
    throw new IllegalStateException("unsupported type of configuration field " + path + ": " + t);
  }

  /** A setting whose default is unset: a blank value means unset too. */
  private static boolean optional(String path) {
    return Settings.ALL.stream().anyMatch(s -> s.path().equals(path) && s.defaultValue() == null);
  }
}
