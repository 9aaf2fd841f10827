package dev.gateway.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads samples from Prometheus text exposition format (what {@code GET /metrics} serves). */
final class PrometheusText {

  private PrometheusText() {
  }

  /**
   * Sum of the samples named {@code name} whose labels include every {@code key=value} given
   * (label order does not matter); 0 when there is none.
   */
  static double value(String scrape, String name, String... labels) {
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      String sampleName = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
      if (!sampleName.equals(name)) {
        continue;
      }
      Map<String, String> actual = new HashMap<>();
      String rest = line;
      if (brace >= 0 && brace < space) {
        int close = line.lastIndexOf('}');
        actual = labels(line.substring(brace + 1, close));
        rest = line.substring(close + 1);
      } else {
        rest = line.substring(space);
      }
      boolean matches = true;
      for (String l : labels) {
        int eq = l.indexOf('=');
        if (!l.substring(eq + 1).equals(actual.get(l.substring(0, eq)))) {
          matches = false;
          break;
        }
      }
      if (matches) {
        sum += Double.parseDouble(rest.trim().split("\\s+")[0]);
      }
    }
    return sum;
  }

  private static Map<String, String> labels(String text) {
    Map<String, String> out = new HashMap<>();
    int i = 0;
    while (i < text.length()) {
      int eq = text.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String key = text.substring(i, eq).trim();
      int start = eq + 2; // skip ="
      StringBuilder v = new StringBuilder();
      int j = start;
      while (j < text.length() && text.charAt(j) != '"') {
        if (text.charAt(j) == '\\' && j + 1 < text.length()) {
          j++;
        }
        v.append(text.charAt(j));
        j++;
      }
      out.put(key, v.toString());
      i = j + 1;
      while (i < text.length() && (text.charAt(i) == ',' || text.charAt(i) == ' ')) {
        i++;
      }
    }
    return out;
  }

  /** The gateway's own sample lines, for failure messages. */
  static String gatewayLines(String scrape) {
    return scrape.lines().filter(l -> l.startsWith("gateway_") && !l.startsWith("gateway_delivery_latency_seconds_bucket"))
        .collect(Collectors.joining("\n"));
  }
}
