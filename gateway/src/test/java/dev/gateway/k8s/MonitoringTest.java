package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.assertBalanced;
import static dev.gateway.k8s.support.K8sAsserts.containerPorts;
import static dev.gateway.k8s.support.K8sAsserts.resolvePort;
import static dev.gateway.k8s.support.Yamls.allowedKeys;
import static dev.gateway.k8s.support.Yamls.list;
import static dev.gateway.k8s.support.Yamls.map;
import static dev.gateway.k8s.support.Yamls.stringMap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.Doc;
import dev.gateway.k8s.support.K8sFiles;
import dev.gateway.k8s.support.ManifestParser;
import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The monitoring component: a ServiceMonitor scraping Service {@code gateway-management}, a PrometheusRule
 * whose alerts use documented gateway metrics, and (rendered) the Grafana dashboard ConfigMap.
 * promtool checks the rules themselves ({@code AlertRulesIT}).
 */
class MonitoringTest {

  /**
   * The ServiceMonitor scrapes the management port through Service gateway-management (never
   * the clients' Service), and keeps the job label "gateway" that the rules and dashboard use.
   */
  @ParameterizedTest
  @MethodSource(ManifestSet.WITH_MONITORING)
  void serviceMonitorScrapesTheManagementPort(ManifestSet set) {
    Manifests manifests = set.load();
    List<Doc> monitors = manifests.structural("ServiceMonitor");
    assertEquals(1, monitors.size(), set + ": one ServiceMonitor");
    Doc d = monitors.get(0);
    Map<String, Object> m = d.map();
    allowedKeys(m, d + "", "apiVersion", "kind", "metadata", "spec");
    Map<String, Object> spec = map(m.get("spec"), d + " spec");
    allowedKeys(spec, d + " spec", "selector", "endpoints", "namespaceSelector", "jobLabel");
    Map<String, Object> selector = map(spec.get("selector"), d + " selector");
    allowedKeys(selector, d + " selector", "matchLabels");
    Map<String, Object> match = map(selector.get("matchLabels"), d + " matchLabels");
    List<String> selected = manifests.typed(Service.class).stream()
        .filter(s -> s.getMetadata().getLabels() != null
            && s.getMetadata().getLabels().entrySet().containsAll(stringMap(match).entrySet()))
        .map(s -> s.getMetadata().getName()).toList();
    assertEquals(List.of("gateway-management"), selected, d + " selects (by labels) exactly Service gateway-management");
    Service management = manifests.service("gateway-management");
    assertEquals("gateway", management.getMetadata().getLabels().get(String.valueOf(spec.get("jobLabel"))),
        d + " jobLabel: the job label must stay \"gateway\" (alert rules and dashboard select job=\"gateway\")");
    for (Object e : list(spec.get("endpoints"), d + " endpoints")) {
      Map<String, Object> ep = map(e, d + " endpoint");
      allowedKeys(ep, d + " endpoint", "port", "path", "interval", "scrapeTimeout", "scheme");
      assertEquals("/metrics", ep.get("path"), d + " path");
      Object port = ep.get("port");
      ServicePort sp = management.getSpec().getPorts().stream().filter(p -> p.getName().equals(port)).findFirst()
          .orElseThrow(() -> new AssertionError(d + " port " + port + " is not a named port of Service gateway-management"));
      assertEquals(containerPorts(manifests.container()).get("management"),
          resolvePort(sp.getTargetPort(), manifests.container()), d + " scrapes the container's management port");
    }
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.WITH_MONITORING)
  void alertsUseDocumentedMetrics(ManifestSet set) {
    List<Doc> rules = set.load().structural("PrometheusRule");
    assertEquals(1, rules.size(), set + ": one PrometheusRule");
    Doc d = rules.get(0);
    Map<String, Object> m = d.map();
    allowedKeys(m, d + "", "apiVersion", "kind", "metadata", "spec");
    Map<String, Object> spec = map(m.get("spec"), d + " spec");
    allowedKeys(spec, d + " spec", "groups");
    String readme = K8sFiles.read(K8sFiles.repoRoot().resolve("docs/operations/monitoring.md"));
    StringBuilder allExpr = new StringBuilder();
    Set<String> alerts = new HashSet<>();
    for (Object g : list(spec.get("groups"), d + " groups")) {
      Map<String, Object> group = map(g, d + " group");
      allowedKeys(group, d + " group", "name", "interval", "rules");
      for (Object r : list(group.get("rules"), d + " rules")) {
        Map<String, Object> rule = map(r, d + " rule");
        allowedKeys(rule, d + " rule", "alert", "record", "expr", "for", "labels", "annotations");
        assertTrue(rule.get("alert") instanceof String, d + " rule without alert name: " + rule);
        assertTrue(alerts.add((String) rule.get("alert")), "duplicate alert " + rule.get("alert"));
        assertTrue(rule.get("expr") instanceof String s && !s.isBlank(), d + " rule without expr");
        if (rule.containsKey("for")) {
          assertTrue(String.valueOf(rule.get("for")).matches("\\d+[smh]"), "bad for: " + rule.get("for"));
        }
        String expr = (String) rule.get("expr");
        assertBalanced(expr, rule.get("alert") + "");
        allExpr.append(expr).append('\n');
        Matcher mt = Pattern.compile("\\bgateway_[a-z_]+").matcher(expr);
        while (mt.find()) {
          String metric = mt.group().replaceAll("_(bucket|count|sum)$", "");
          assertTrue(readme.contains("`" + metric) || readme.contains(metric + "{") || readme.contains(metric + "`"),
              "alert " + rule.get("alert") + " uses " + mt.group() + ", not a documented gateway metric");
        }
      }
    }
    String all = allExpr.toString();
    assertTrue(all.contains("gateway_connections_closed_total{reason=\"slow_consumer\"}"), "slow-consumer alert");
    assertTrue(all.contains("gateway_messages_dropped_total"), "dropped-messages alert");
    assertTrue(all.contains("gateway_cluster_members"), "cluster-size alert");
    assertTrue(all.contains("histogram_quantile(0.99") && all.contains("gateway_delivery_latency_seconds_bucket"),
        "delivery p99 alert");
  }

  /** The dashboard ConfigMap is generated by kustomize: only rendered sets have it. */
  static Stream<ManifestSet> renderedWithMonitoring() {
    return ManifestSet.withMonitoring().filter(ManifestSet::rendered);
  }

  @ParameterizedTest
  @MethodSource("renderedWithMonitoring")
  void dashboardConfigMapHoldsTheDashboardFile(ManifestSet set) throws IOException {
    ConfigMap dashboard = set.load().configMap("gateway-grafana-dashboard");
    assertEquals("1", dashboard.getMetadata().getLabels().get("grafana_dashboard"), "Grafana sidecar label");
    assertEquals(ManifestParser.MAPPER.readTree(K8sFiles.k8s().resolve("components/monitoring/dashboards/gateway.json")
            .toFile()),
        ManifestParser.MAPPER.readTree(dashboard.getData().get("gateway.json")),
        "dashboard ConfigMap holds dashboards/gateway.json");
  }
}
