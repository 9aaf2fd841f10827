package dev.gateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The /ws fan-out figures of a previous results file (its summary table), for the regression
 * check: saturation at N=1,000, p99 and server CPU per delivery of the latency phase, for the
 * gateway and for Node ws. By default the newest full run (no {@code -quick}) in
 * load-tests/results that has the gateway's saturation figure, by the time in its heading.
 */
record Baseline(Path file, String heading, String latencyCondition, Figures gateway, Figures ws) {

  /** One target's column; NaN where the file has no figure. */
  record Figures(double saturation, double p99, double cpu) {
  }

  private static final String HEADING = "# Fan-out benchmark, ";

  /** The baseline the options name, or the newest one; null when there is none. */
  static Baseline find(BenchOptions opts) {
    try {
      if (opts.baseline != null) {
        return parse(opts.baseline);
      }
      Path dir = opts.root.resolve("load-tests/results");
      if (!Files.isDirectory(dir)) {
        return null;
      }
      List<Baseline> found = new ArrayList<>();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : files.toList()) {
          String name = p.getFileName().toString();
          if (name.startsWith("fanout-") && name.endsWith(".md") && !name.contains("-quick")
              && !p.toAbsolutePath().equals(opts.out)) {
            Baseline b = parse(p);
            if (b != null && !Double.isNaN(b.gateway.saturation())) {
              found.add(b);
            }
          }
        }
      }
      return found.stream().max((a, b) -> a.time().compareTo(b.time())).orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** The heading's time ({@code 2026-11-23T17:20}); the file name breaks no tie but sorts. */
  private String time() {
    return heading.replace(" (quick run)", "") + " " + file.getFileName();
  }

  static Baseline parse(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    if (lines.isEmpty() || !lines.get(0).startsWith(HEADING)) {
      return null;
    }
    String heading = lines.get(0).substring(HEADING.length()).trim();
    try {
      LocalDateTime.parse(heading.replace(" (quick run)", ""));
    } catch (RuntimeException e) {
      return null;
    }
    int header = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("| figure |")) {
        header = i;
        break;
      }
    }
    if (header < 0) {
      return null;
    }
    List<String> columns = cells(lines.get(header));
    int g = columns.indexOf("gateway");
    int w = columns.indexOf("ws");
    double[][] v = new double[2][3];
    for (double[] row : v) {
      Arrays.fill(row, Double.NaN);
    }
    String condition = "";
    for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      List<String> c = cells(lines.get(i));
      String name = c.get(0);
      int figure = -1;
      if (name.startsWith("saturation deliveries/s, N=1,000 (websocket")) {
        figure = 0;
      } else if (name.startsWith("p50 / p99 / p99.9 ms")) {
        figure = 1;
        condition = name.replaceAll("^p50 / p99 / p99.9 ms, (.*) \\(median.*$", "$1");
      } else if (name.startsWith("server CPU µs per delivery")) {
        figure = 2;
      }
      if (figure >= 0) {
        v[0][figure] = value(c, g, figure);
        v[1][figure] = value(c, w, figure);
      }
    }
    return new Baseline(file, heading, condition, new Figures(v[0][0], v[0][1], v[0][2]),
        new Figures(v[1][0], v[1][1], v[1][2]));
  }

  private static double value(List<String> cells, int column, int figure) {
    if (column < 0 || column >= cells.size()) {
      return Double.NaN;
    }
    String s = cells.get(column).replace(",", "").trim();
    if (figure == 1) {
      String[] parts = s.split("/");
      s = parts.length == 3 ? parts[1].trim() : "";
    }
    if (s.equals("none")) {
      return 0;
    }
    try {
      return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static List<String> cells(String row) {
    String inner = row.substring(1, row.endsWith("|") ? row.length() - 1 : row.length());
    return Arrays.stream(inner.split("\\|", -1)).map(String::trim).toList();
  }
}
