package dev.gateway.ops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring files of {@code k8s/components/monitoring}: the PrometheusRule (whose spec is a
 * Prometheus rules file), its promtool unit tests, and the Grafana dashboard.
 */
final class MonitoringFiles {

  static final Path DIR = repoRoot().resolve("k8s/components/monitoring");
  static final Path RULE = DIR.resolve("prometheusrule.yaml");
  static final Path RULE_TESTS = DIR.resolve("tests/alerts-test.yaml");
  static final Path DASHBOARD = DIR.resolve("dashboards/gateway.json");
  /** Name the unit tests' rule_files use for the extracted spec. */
  static final String RULES_FILE = "gateway-rules.yaml";

  /** A panel's query: panel title, refId, expression as written in the dashboard. */
  record PanelQuery(String panel, String refId, String expr) {
  }

  private MonitoringFiles() {
  }

  /** The spec of the PrometheusRule. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> ruleSpec() {
    Map<String, Object> rule = new Yaml().load(read(RULE));
    if (!"PrometheusRule".equals(rule.get("kind")) || !(rule.get("spec") instanceof Map)) {
      throw new AssertionError(RULE + " is not a PrometheusRule with a spec");
    }
    return (Map<String, Object>) rule.get("spec");
  }

  /** Writes the spec as {@value #RULES_FILE} in dir: exactly what the Operator hands Prometheus. */
  static Path writeRulesFile(Path dir) {
    return write(dir.resolve(RULES_FILE), ruleSpec());
  }

  static Path write(Path file, Object yaml) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setWidth(200);
    try {
      Files.writeString(file, new Yaml(options).dump(yaml));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** Every rule of every group, in order. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rules(Map<String, Object> spec) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object g : (List<Object>) spec.get("groups")) {
      out.addAll((List<Map<String, Object>>) ((Map<String, Object>) g).get("rules"));
    }
    return out;
  }

  static Set<String> alertNames() {
    Set<String> names = new LinkedHashSet<>();
    rules(ruleSpec()).forEach(r -> names.add((String) r.get("alert")));
    return names;
  }

  /** gateway_* metric names the rule expressions use (histogram suffixes kept). */
  static Set<String> ruleMetrics() {
    Set<String> names = new LinkedHashSet<>();
    for (Map<String, Object> r : rules(ruleSpec())) {
      Matcher m = Pattern.compile("\\bgateway_[a-z_]+").matcher((String) r.get("expr"));
      while (m.find()) {
        names.add(m.group());
      }
    }
    return names;
  }

  static JsonObject dashboard() {
    return new JsonObject(read(DASHBOARD));
  }

  /** Every target of every panel (rows' nested panels included). */
  static List<PanelQuery> panelQueries(JsonObject dashboard) {
    List<PanelQuery> out = new ArrayList<>();
    collect(dashboard.getJsonArray("panels"), out);
    return out;
  }

  private static void collect(JsonArray panels, List<PanelQuery> out) {
    for (Object o : panels) {
      JsonObject panel = (JsonObject) o;
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        JsonObject target = (JsonObject) t;
        out.add(new PanelQuery(panel.getString("title"), target.getString("refId"), target.getString("expr")));
      }
      collect(panel.getJsonArray("panels", new JsonArray()), out);
    }
  }

  /**
   * Resolves the dashboard's query variables ({@code label_values(SELECTOR, LABEL)}) the way
   * Grafana would, in order: each gets the first value {@code values} returns, or its allValue when
   * it is a multi-value "All" variable. Fails when a variable would have no value to offer.
   */
  static Map<String, String> resolveVariables(JsonObject dashboard,
                                              Function<String[], List<String>> values) {
    Map<String, String> vars = new LinkedHashMap<>();
    Pattern labelValues = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_]+)\\)");
    for (Object o : dashboard.getJsonObject("templating").getJsonArray("list")) {
      JsonObject v = (JsonObject) o;
      if (!"query".equals(v.getString("type"))) {
        continue;
      }
      Matcher m = labelValues.matcher(substitute(v.getString("definition"), vars));
      if (!m.matches()) {
        throw new AssertionError("variable " + v.getString("name") + ": not label_values(...): "
            + v.getString("definition"));
      }
      List<String> found = values.apply(new String[] {m.group(1), m.group(2)});
      if (found.isEmpty()) {
        throw new AssertionError("variable " + v.getString("name") + " has no values: " + m.group());
      }
      boolean all = v.getBoolean("multi", false) && v.getBoolean("includeAll", false);
      vars.put(v.getString("name"), all ? v.getString("allValue") : found.get(0));
    }
    return vars;
  }

  /** Substitutes {@code $name} / {@code ${name}} (longest names first) and Grafana's interval variables. */
  static String substitute(String expr, Map<String, String> vars) {
    String out = expr.replace("${__rate_interval}", "1m").replace("$__rate_interval", "1m")
        .replace("${__interval}", "1m").replace("$__interval", "1m");
    List<String> names = new ArrayList<>(vars.keySet());
    names.sort((a, b) -> b.length() - a.length());
    for (String n : names) {
      out = out.replace("${" + n + "}", vars.get(n)).replace("$" + n, vars.get(n));
    }
    return out;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path repoRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("gateway/pom.xml"))) {
        return dir;
      }
    }
    throw new AssertionError("repository root (with gateway/pom.xml) not found above " + Path.of("").toAbsolutePath());
  }
}
