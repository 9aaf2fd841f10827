package dev.gateway.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code gateway_*} metric families as docs/operations/monitoring.md lists them and as a
 * Prometheus scrape shows them: name, type and label names.
 */
final class MetricFamilies {

  static final String DOC = "docs/operations/monitoring.md";
  /** How the doc marks a family that only a clustered node exports. */
  static final String CLUSTER_ONLY = "clustered nodes only";
  /** How the doc marks a family that only a node serving TLS ({@code server.tls.*}) exports. */
  static final String TLS_ONLY = "TLS nodes only";

  /** One family: its Prometheus type and its label names. */
  record Family(String type, Set<String> labels) {
  }

  private MetricFamilies() {
  }

  private static final Pattern DOC_CELL = Pattern.compile("`(gateway_[a-z0-9_]+)(?:\\{([a-z_,]+)\\})?`");

  /**
   * The documented families but those of TLS nodes only; with {@code clustered} false, without
   * the ones marked as exported by clustered nodes only either.
   */
  static Map<String, Family> documented(boolean clustered) {
    return documented(clustered, false);
  }

  /** The families marked as exported by nodes serving TLS only. */
  static Map<String, Family> documentedTlsOnly() {
    Map<String, Family> all = documented(true, true);
    all.keySet().removeAll(documented(true, false).keySet());
    return all;
  }

  private static Map<String, Family> documented(boolean clustered, boolean tls) {
    Map<String, Family> families = new TreeMap<>();
    for (List<String> row : Docs.table(DOC, "Metric", "Type", "Meaning")) {
      Matcher m = DOC_CELL.matcher(row.get(0));
      if (!m.matches()) {
        throw new AssertionError(DOC + ": not a metric cell like `gateway_x{label,label}`: " + row.get(0));
      }
      if (!clustered && row.get(2).startsWith(CLUSTER_ONLY)
          || !tls && row.get(2).startsWith(TLS_ONLY)) {
        continue;
      }
      Set<String> labels = new TreeSet<>();
      if (m.group(2) != null) {
        labels.addAll(List.of(m.group(2).split(",")));
      }
      if (families.put(m.group(1), new Family(row.get(1), labels)) != null) {
        throw new AssertionError(DOC + ": two rows for " + m.group(1));
      }
    }
    return families;
  }

  private static final Pattern TYPE = Pattern.compile("# TYPE (gateway_[a-z0-9_]+) ([a-z]+)");
  private static final Pattern SAMPLE = Pattern.compile("(gateway_[a-z0-9_]+)(?:\\{(.*)\\})? \\S+.*");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

  /** The families of a scrape in the Prometheus text format, histogram samples folded in. */
  static Map<String, Family> exported(String scrape) {
    Map<String, Family> families = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      Matcher t = TYPE.matcher(line);
      if (t.matches()) {
        families.put(t.group(1), new Family(t.group(2), new TreeSet<>()));
      }
    }
    for (String line : scrape.split("\n")) {
      Matcher s = SAMPLE.matcher(line);
      if (!s.matches()) {
        continue;
      }
      Family f = families.get(s.group(1));
      if (f == null) {
        f = families.get(s.group(1).replaceFirst("_(bucket|count|sum)$", ""));
      }
      if (f == null) {
        throw new AssertionError("a sample of no declared family: " + line);
      }
      if (s.group(2) != null) {
        Matcher l = LABEL.matcher(s.group(2));
        while (l.find()) {
          if (!(f.type().equals("histogram") && l.group(1).equals("le"))) {
            f.labels().add(l.group(1));
          }
        }
      }
    }
    return families;
  }

  /** What differs, both ways: families the doc lists and the scrape lacks, and the reverse. */
  static List<String> differences(Map<String, Family> documented, Map<String, Family> exported) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Family> e : documented.entrySet()) {
      Family actual = exported.get(e.getKey());
      if (actual == null) {
        problems.add(e.getKey() + " is documented but not exported");
      } else if (!actual.equals(e.getValue())) {
        problems.add(e.getKey() + " is documented as " + e.getValue() + " but exported as " + actual);
      }
    }
    for (Map.Entry<String, Family> e : exported.entrySet()) {
      if (!documented.containsKey(e.getKey())) {
        problems.add(e.getKey() + " " + e.getValue() + " is exported but not documented");
      }
    }
    return problems;
  }
}
