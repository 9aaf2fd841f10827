package dev.gateway.k8s.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.config.ConfigLoader;
import dev.gateway.config.Setting;
import dev.gateway.config.Settings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Assertions shared by the manifest tests: ports, selectors, secrets, settings. */
public final class K8sAsserts {

  private K8sAsserts() {
  }

  /** The container's ports by name; every port is named, no name twice. */
  public static Map<String, Integer> containerPorts(Container c) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (ContainerPort p : c.getPorts()) {
      assertNotNull(p.getName(), "container port " + p.getContainerPort() + " has no name");
      assertNull(ports.put(p.getName(), p.getContainerPort()), "duplicate port name " + p.getName());
    }
    return ports;
  }

  /** A port given by number or by name, checked against the container's ports. */
  public static int resolvePort(IntOrString port, Container c) {
    assertNotNull(port, "port missing");
    Map<String, Integer> ports = containerPorts(c);
    if (port.getStrVal() != null) {
      Integer n = ports.get(port.getStrVal());
      assertNotNull(n, "port name " + port.getStrVal() + " is not a container port " + ports.keySet());
      return n;
    }
    assertTrue(ports.containsValue(port.getIntVal()), "port " + port.getIntVal() + " is not a container port " + ports);
    return port.getIntVal();
  }

  /** A non-empty matchLabels selector (no expressions) that selects {@code labels}. */
  public static void assertSelects(LabelSelector s, Map<String, String> labels, String what) {
    assertNotNull(s, what);
    assertTrue(s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty(), what + ": matchExpressions");
    assertFalse(s.getMatchLabels() == null || s.getMatchLabels().isEmpty(), what + ": empty selector");
    assertSubset(s.getMatchLabels(), labels, what);
  }

  public static void assertSubset(Map<String, String> selector, Map<String, String> labels, String what) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      assertEquals(e.getValue(), labels.get(e.getKey()), what + " " + e + " does not match pod labels " + labels);
    }
  }

  /** A Secret's values, decoded from {@code data} and taken from {@code stringData}. */
  public static Map<String, String> secretValues(Secret s) {
    Map<String, String> v = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData().forEach((k, b64) -> v.put(k, new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      v.putAll(s.getStringData());
    }
    return v;
  }

  /** Every environment variable the gateway reads: the {@code GATEWAY_*} settings and GATEWAY_CONFIG. */
  public static Set<String> gatewayVariables() {
    Set<String> known = Settings.ALL.stream().map(Setting::env).collect(Collectors.toSet());
    known.add(ConfigLoader.CONFIG_FILE_ENV);
    return known;
  }

  public static void assertBalanced(String expr, String what) {
    int depth = 0;
    for (char ch : expr.toCharArray()) {
      depth += ch == '(' || ch == '{' || ch == '[' ? 1 : ch == ')' || ch == '}' || ch == ']' ? -1 : 0;
      assertTrue(depth >= 0, what + ": unbalanced brackets in " + expr);
    }
    assertEquals(0, depth, what + ": unbalanced brackets in " + expr);
  }
}
