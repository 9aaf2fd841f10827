package dev.gateway.ops;

import static dev.gateway.ops.MonitoringFiles.RULES_FILE;
import static dev.gateway.ops.MonitoringFiles.RULE_TESTS;
import static dev.gateway.ops.MonitoringFiles.alertNames;
import static dev.gateway.ops.MonitoringFiles.ruleSpec;
import static dev.gateway.ops.MonitoringFiles.rules;
import static dev.gateway.ops.MonitoringFiles.writeRulesFile;
import static dev.gateway.ops.PrometheusServer.promtool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.ops.PrometheusServer.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The alert rules of k8s/components/monitoring/prometheusrule.yaml, checked with Debian's real
 * promtool: the PrometheusRule's spec (exactly a Prometheus rules file) passes
 * {@code promtool check rules}, the unit tests in tests/alerts-test.yaml pass
 * {@code promtool test rules}, every alert has a firing and a not-firing case there, and the unit
 * tests fail when the rules never fire (so they are not vacuous).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AlertRulesIT {

  @TempDir
  Path dir;

  @Test
  void rulesPassPromtoolCheck() {
    writeRulesFile(dir);
    Result r = promtool(dir, null, "check", "rules", RULES_FILE);
    assertEquals(0, r.exit(), "promtool check rules failed:\n" + r.output());
    int n = rules(ruleSpec()).size();
    assertTrue(r.output().contains("SUCCESS: " + n + " rules found"), "expected " + n + " rules:\n" + r.output());
  }

  @Test
  void unitTestsPass() throws IOException {
    Result r = unitTests(ruleSpec());
    assertEquals(0, r.exit(), "promtool test rules failed:\n" + r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertHasFiringAndQuietCases() {
    Map<String, Object> tests = new Yaml().load(MonitoringFiles.read(RULE_TESTS));
    assertEquals(List.of(RULES_FILE), tests.get("rule_files"), "the unit tests load the extracted spec");
    Set<String> firing = new HashSet<>();
    Set<String> quiet = new HashSet<>();
    for (Object t : (List<Object>) tests.get("tests")) {
      for (Object a : (List<Object>) ((Map<String, Object>) t).getOrDefault("alert_rule_test", List.of())) {
        Map<String, Object> check = (Map<String, Object>) a;
        String name = (String) check.get("alertname");
        assertTrue(alertNames().contains(name), "unit test for an alert that does not exist: " + name);
        List<Object> expected = (List<Object>) check.get("exp_alerts");
        (expected == null || expected.isEmpty() ? quiet : firing).add(name);
      }
    }
    for (String alert : alertNames()) {
      assertTrue(firing.contains(alert), alert + ": no unit test where it fires");
      assertTrue(quiet.contains(alert), alert + ": no unit test where it stays quiet");
    }
  }

  /** With every expression made empty, the firing case of every alert must fail. */
  @Test
  void unitTestsFailWhenRulesNeverFire() throws IOException {
    Map<String, Object> spec = ruleSpec();
    for (Map<String, Object> rule : rules(spec)) {
      rule.put("expr", "(" + rule.get("expr") + ") unless on() vector(1)");
    }
    Result r = unitTests(spec);
    assertNotEquals(0, r.exit(), "unit tests passed against rules that never fire:\n" + r.output());
    Set<String> missed = new TreeSet<>();
    for (String alert : alertNames()) {
      if (!r.output().contains("alertname: " + alert + ",")) {
        missed.add(alert);
      }
    }
    assertTrue(missed.isEmpty(), "no unit test noticed that these never fire: " + missed + "\n" + r.output());
  }

  private Result unitTests(Map<String, Object> spec) throws IOException {
    MonitoringFiles.write(dir.resolve(RULES_FILE), spec);
    Files.copy(RULE_TESTS, dir.resolve("alerts-test.yaml"));
    return promtool(dir, null, "test", "rules", "alerts-test.yaml");
  }
}
