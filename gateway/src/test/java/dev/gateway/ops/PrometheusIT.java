package dev.gateway.ops;

import static dev.gateway.ops.PrometheusServer.promtool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.ops.MonitoringFiles.PanelQuery;
import dev.gateway.ops.PrometheusServer.Result;
import dev.gateway.support.ProcessCluster;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's real Prometheus scraping a two-node gateway cluster (two JVMs from the jar) every
 * second while real clients (native WebSocket, SockJS xhr-polling, the HTTP API) make traffic;
 * everything checked through Prometheus's HTTP API with PromQL: targets up, the key series exist
 * and move, gauges equal what the test holds open, the alert rules load and evaluate, every
 * dashboard query runs and the key panels have data. Also {@code promtool check metrics} on a scrape.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class PrometheusIT {

  /** Library metrics promtool's linter flags (unit abbreviations; a gauge ending in _count). */
  static final Set<String> LIBRARY_LINT = Set.of("jvm_compilation_time_ms_total", "process_cpu_time_ns_total",
      "system_cpu_count");
  /**
   * Panels every query of which must show data after this traffic (the drops panel also plots slow-consumer
   * closes, which have no series until the first one; SockJS forwarding and GC may have none either).
   */
  static final Set<String> KEY_PANELS = Set.of("Open connections", "Nodes up", "Messages out / s", "Delivery p99",
      "Connections by transport", "Connections by node", "Connections opened / s by transport",
      "Connections closed / s by reason", "Messages in and out / s", "Bytes out / s", "Outbound queue bytes",
      "Channels and event-bus registrations", "Delivery latency p50 / p99 by origin", "Cluster members",
      "Cross-node broadcasts received / s", "Handshake rejections / s by reason", "Auth failures / s by reason",
      "API publishes / s by outcome", "Client errors / s by code", "JVM heap", "JVM threads", "Process CPU",
      "Presence members held", "Presence events / s", "Presence queries / s by type",
      "Presence refused and cluster resyncs / s", "Presence backlog");

  @TempDir
  static Path dir;
  static List<GatewayProcess> nodes = List.of();
  static PrometheusServer prometheus;
  static GatewayTraffic traffic;

  @BeforeAll
  static void start() throws Exception {
    PrometheusServer.binary("prometheus"); // fail at once, before starting nodes, when it is missing
    nodes = ProcessCluster.start("prometheus", 2, Map.of(
        "GATEWAY_AUTH_MODE", "optional", "GATEWAY_JWT_HS256_SECRET", "prometheus-it-secret-0123456789abcdef"));
    MonitoringFiles.writeRulesFile(dir);
    prometheus = PrometheusServer.start(dir, """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
          - %s
        scrape_configs:
          - job_name: gateway
            static_configs:
              - targets: [%s]
                labels:
                  namespace: it
        """.formatted(MonitoringFiles.RULES_FILE, nodes.stream().map(n -> "\"" + instance(n) + "\"")
        .collect(Collectors.joining(", "))));
    prometheus.await("both targets up", "up{job=\"gateway\"} == 1", r -> r.size() == 2, 20);

    traffic = new GatewayTraffic(nodes.get(0), nodes.get(1), "chat.prometheus");
    traffic.firstPhase();
    // counters exist from their first event: let Prometheus see them before they move again
    prometheus.await("messages sent seen on both nodes", "gateway_messages_sent_total{transport=\"websocket\"}",
        r -> r.size() == 2, 15);
    prometheus.await("closed connections seen", "gateway_connections_closed_total", r -> r.size() == 2, 15);
    traffic.secondPhase();
  }

  @AfterAll
  static void stop() {
    if (traffic != null) {
      traffic.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
    nodes.forEach(GatewayProcess::close);
  }

  @Test
  void everyTargetIsUp() {
    JsonArray targets = prometheus.api("/api/v1/targets").getJsonObject("data").getJsonArray("activeTargets");
    assertEquals(Set.of(instance(nodes.get(0)), instance(nodes.get(1))), targets.stream()
        .map(t -> ((JsonObject) t).getJsonObject("labels").getString("instance")).collect(Collectors.toSet()));
    // a 1 s scrape timeout on a busy box may miss once: the last scrape of each must be up
    prometheus.await("up == 1 for every target", "up", r -> byInstance(r).equals(
        Map.of(instance(nodes.get(0)), 1.0, instance(nodes.get(1)), 1.0)), 10);
  }

  @Test
  void keySeriesExistAndMove() {
    String both = "both nodes";
    Map<String, String> checks = new LinkedHashMap<>();
    checks.put("increase(gateway_messages_sent_total{transport=\"websocket\"}[1m]) > 0", both);
    checks.put("increase(gateway_bytes_sent_total{transport=\"websocket\"}[1m]) > 0", both);
    checks.put("increase(gateway_connections_opened_total{transport=\"websocket\"}[1m]) > 0", both);
    checks.put("increase(gateway_connections_closed_total{transport=\"websocket\",reason=\"client_closed\"}[1m]) > 0",
        both);
    checks.put("increase(gateway_cluster_messages_received_total[1m]) > 0", both);
    checks.put("sum by (instance) (increase(gateway_delivery_latency_seconds_count[1m])) > 0", both);
    checks.put("increase(gateway_messages_received_total{transport=\"websocket\"}[1m]) > 0", "node 1 (publisher)");
    checks.put("increase(gateway_api_publish_total{outcome=\"accepted\"}[1m]) > 0", "node 2 (API)");
    checks.put("gateway_connections_opened_total{transport=\"xhr-polling\"} >= 1", "node 1 (SockJS)");
    checks.put("gateway_messages_received_total{transport=\"xhr-polling\"} >= 1", "node 1 (SockJS)");
    checks.put("gateway_messages_sent_total{transport=\"xhr-polling\"} >= 1", "node 1 (SockJS)");
    checks.put("gateway_handshakes_rejected_total{reason=\"origin_rejected\"} >= 1", "node 1 (bad Origin)");
    checks.put("gateway_handshakes_rejected_total{reason=\"unauthorized\"} >= 1", "node 2 (bad token)");
    checks.put("gateway_auth_failures_total{reason=\"invalid_token\"} >= 1", "node 2 (bad token)");
    checks.put("gateway_client_errors_total{code=\"access_denied\"} >= 1", "node 1 (forbidden publish)");
    checks.put("count by (instance) (jvm_memory_used_bytes{area=\"heap\"}) > 0", both);
    checks.put("process_cpu_usage >= 0", both);
    for (Map.Entry<String, String> c : checks.entrySet()) {
      Set<String> expected = c.getValue().equals(both) ? Set.of(instance(nodes.get(0)), instance(nodes.get(1)))
          : Set.of(instance(nodes.get(c.getValue().startsWith("node 1") ? 0 : 1)));
      prometheus.await(c.getKey() + " on " + c.getValue(), c.getKey(),
          r -> byInstance(r).keySet().containsAll(expected), 15);
    }
    assertEquals(0, traffic.apiFailures.get(), "API publishes not answered 202");
  }

  @Test
  void connectionGaugeEqualsOpenClients() {
    Map<String, Double> expected = Map.of(instance(nodes.get(0)), (double) traffic.websocketClients(0),
        instance(nodes.get(1)), (double) traffic.websocketClients(1));
    prometheus.await("gateway_connections{transport=websocket} per node = " + expected,
        "gateway_connections{transport=\"websocket\"}", r -> byInstance(r).equals(expected), 15);
    prometheus.await("sum of websocket connections", "sum(gateway_connections{transport=\"websocket\"})",
        r -> r.size() == 1 && value(r.getJsonObject(0)) == traffic.websocketClients(0) + traffic.websocketClients(1),
        15);
  }

  @Test
  void everyNodeSeesTwoMembers() {
    prometheus.await("sum by (instance) (gateway_cluster_members) == 2 on both nodes",
        "sum by (instance) (gateway_cluster_members) == 2", r -> r.size() == 2, 15);
  }

  @Test
  void deliveryLatencyQuantilesAreNumbers() {
    String expr = "histogram_quantile(0.99, sum by (instance, origin, le) "
        + "(rate(gateway_delivery_latency_seconds_bucket[1m])))";
    JsonArray r = prometheus.await("p99 by node and origin", expr, result -> {
      Set<String> finite = new TreeSet<>();
      for (Object o : result) {
        JsonObject metric = ((JsonObject) o).getJsonObject("metric");
        if (Double.isFinite(value((JsonObject) o)) && value((JsonObject) o) > 0) {
          finite.add(metric.getString("instance") + "/" + metric.getString("origin"));
        }
      }
      // node 1 delivers its own publisher's messages, node 2 delivers them as remote
      return finite.containsAll(Set.of(instance(nodes.get(0)) + "/local", instance(nodes.get(1)) + "/remote"));
    }, 15);
    System.out.println("PrometheusIT p99 delivery latency: " + r.encode());
  }

  @Test
  void promtoolAcceptsTheGatewayMetrics() {
    for (GatewayProcess node : nodes) {
      String scrape = node.scrape();
      assertNotNull(scrape, node.name + " did not answer /metrics");
      assertTrue(scrape.contains("gateway_messages_sent_total{"), "a scrape with traffic");
      String own = scrape.lines().filter(l -> l.startsWith("gateway_") || l.startsWith("# HELP gateway_")
          || l.startsWith("# TYPE gateway_")).collect(Collectors.joining("\n", "", "\n"));
      Result gateway = promtool(dir, own, "check", "metrics");
      assertEquals(0, gateway.exit(), node.name + ": promtool check metrics on gateway_*:\n" + gateway.output());

      // the whole scrape: only Micrometer's library names may be flagged (exit 3 = lint problems only)
      Result all = promtool(dir, scrape, "check", "metrics");
      Set<String> flagged = all.output().lines().filter(l -> !l.isBlank()).map(l -> l.split(" ")[0])
          .collect(Collectors.toCollection(TreeSet::new));
      assertTrue(all.exit() == 0 || all.exit() == 3, node.name + ": promtool exit " + all.exit() + ":\n" + all.output());
      assertTrue(LIBRARY_LINT.containsAll(flagged), node.name + ": promtool flags more than the known library"
          + " names:\n" + all.output());
      System.out.println("PrometheusIT promtool check metrics, " + node.name + ": gateway_* families ("
          + own.lines().filter(l -> l.startsWith("# TYPE")).count() + ") exit 0; whole scrape exit " + all.exit()
          + ", flagged " + flagged);
    }
  }

  @Test
  void alertRulesLoadAndEvaluate() {
    Set<String> alerts = MonitoringFiles.alertNames();
    JsonArray[] rules = new JsonArray[1];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      rules[0] = new JsonArray();
      for (Object g : prometheus.api("/api/v1/rules").getJsonObject("data").getJsonArray("groups")) {
        ((JsonObject) g).getJsonArray("rules").forEach(rules[0]::add);
      }
      boolean evaluated = rules[0].stream().noneMatch(r -> "unknown".equals(((JsonObject) r).getString("health")));
      if (evaluated && rules[0].size() == alerts.size() || System.nanoTime() > deadline) {
        break;
      }
      PrometheusServer.pause(250);
    }
    Map<String, String> states = new TreeMap<>();
    for (Object o : rules[0]) {
      JsonObject rule = (JsonObject) o;
      assertEquals("ok", rule.getString("health"), "rule " + rule.getString("name") + ": " + rule.encodePrettily());
      states.put(rule.getString("name"), rule.getString("state"));
    }
    assertEquals(new TreeSet<>(alerts), states.keySet(), "rules loaded");
    // a healthy cluster: nothing fires; these two are not even pending (GatewayMetricsAbsent: the job label
    // matches; GatewayTargetDown is left out: one missed 1 s scrape on a busy box makes it pending)
    assertFalse(states.containsValue("firing"), "alerts firing on a healthy cluster: " + states);
    for (String quiet : List.of("GatewayClusterTooSmall", "GatewayMetricsAbsent")) {
      assertEquals("inactive", states.get(quiet), quiet + " on a healthy cluster: " + states);
    }
    // a misspelt metric makes an alert silently never fire: the rules' metrics exist in the real scrape
    for (String metric : MonitoringFiles.ruleMetrics()) {
      prometheus.await("series " + metric, "count({__name__=\"" + metric + "\"})", r -> r.size() == 1, 10);
    }
  }

  @Test
  void dashboardQueriesRunAndKeyPanelsHaveData() {
    JsonObject dashboard = MonitoringFiles.dashboard();
    Map<String, String> vars = MonitoringFiles.resolveVariables(dashboard, sel -> prometheus.api(
        "/api/v1/label/" + sel[1] + "/values?match[]=" + URLEncoder.encode(sel[0], StandardCharsets.UTF_8))
        .getJsonArray("data").stream().map(String::valueOf).toList());
    assertEquals(Map.of("namespace", "it", "job", "gateway", "instance", ".*"), vars, "dashboard variables");
    List<PanelQuery> queries = MonitoringFiles.panelQueries(dashboard);
    Set<String> titles = queries.stream().map(PanelQuery::panel).collect(Collectors.toSet());
    Set<String> missing = new TreeSet<>(KEY_PANELS);
    missing.removeAll(titles);
    assertTrue(missing.isEmpty(), "key panels missing from the dashboard: " + missing);
    List<String> empty = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    for (PanelQuery q : queries) {
      String expr = MonitoringFiles.substitute(q.expr(), vars);
      assertFalse(expr.contains("$"), q + ": unresolved variable in " + expr);
      JsonObject r = prometheus.query(expr);
      assertEquals("success", r.getString("status"), q + ": " + expr + "\n" + r.encodePrettily());
      if (KEY_PANELS.contains(q.panel())) {
        while (prometheus.vector(expr).isEmpty() && System.nanoTime() < deadline) {
          PrometheusServer.pause(250);
        }
        if (prometheus.vector(expr).isEmpty()) {
          empty.add(q.panel() + " " + q.refId() + ": " + expr);
        }
      }
    }
    assertTrue(empty.isEmpty(), "key panels without data:\n" + String.join("\n", empty));
  }

  static String instance(GatewayProcess node) {
    return "127.0.0.1:" + node.port;
  }

  static Map<String, Double> byInstance(JsonArray result) {
    Map<String, Double> out = new HashMap<>();
    for (Object o : result) {
      out.put(((JsonObject) o).getJsonObject("metric").getString("instance"), value((JsonObject) o));
    }
    return out;
  }

  static double value(JsonObject sample) {
    return Double.parseDouble(sample.getJsonArray("value").getString(1));
  }
}
