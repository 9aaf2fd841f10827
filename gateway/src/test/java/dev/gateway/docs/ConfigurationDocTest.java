package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.config.ConfigLoader;
import dev.gateway.config.Setting;
import dev.gateway.config.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md's settings table is {@link Settings#ALL}: one row per setting with its
 * path, environment variable, default and doc, and no other row; and every {@code GATEWAY_*}
 * variable any document names is a setting (or one of the few variables outside the settings).
 */
class ConfigurationDocTest {

  static final String DOC = "docs/configuration.md";

  /** Variables read outside {@link Settings#ALL}: the config file's name, the tests' Chromium. */
  static final Set<String> OTHER_VARIABLES = Set.of(ConfigLoader.CONFIG_FILE_ENV, "GATEWAY_CHROMIUM");

  /** The row a setting has in the table, cell by cell. */
  static List<String> row(Setting s) {
    return List.of("`" + s.path() + "`", "`" + s.env() + "`", renderedDefault(s), s.doc());
  }

  /** A default as the table shows it: (unset), (empty), a list comma-joined, all else as is. */
  static String renderedDefault(Setting s) {
    Object d = s.defaultValue();
    if (d == null) {
      return "(unset)";
    }
    if (d instanceof List<?> l) {
      return l.isEmpty() ? "(empty)" : "`" + l.stream().map(String::valueOf).collect(Collectors.joining(", ")) + "`";
    }
    return "`" + d + "`";
  }

  @Test
  void settingsTableIsSettingsAllBothWays() {
    List<List<String>> rows = Docs.table(DOC, "Setting (file path)", "Environment", "Default", "Meaning");
    Map<String, List<String>> documented = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    for (List<String> row : rows) {
      if (documented.put(Docs.unquote(row.get(0)), row) != null) {
        problems.add("two rows for " + row.get(0));
      }
    }
    Map<String, List<String>> defined = new TreeMap<>();
    for (Setting s : Settings.ALL) {
      defined.put(s.path(), row(s));
    }
    for (Map.Entry<String, List<String>> e : defined.entrySet()) {
      List<String> doc = documented.get(e.getKey());
      if (doc == null) {
        problems.add("no row for " + e.getKey() + "; add: " + markdown(e.getValue()));
      } else if (!doc.equals(e.getValue())) {
        problems.add("row for " + e.getKey() + " differs; Settings.ALL says: " + markdown(e.getValue()));
      }
    }
    for (String path : documented.keySet()) {
      if (!defined.containsKey(path)) {
        problems.add("row for " + path + ", which is not a setting");
      }
    }
    assertEquals(List.of(), problems, DOC + "'s settings table is out of step with Settings.ALL");
  }

  @Test
  void everyGatewayVariableTheDocsNameIsASetting() {
    Set<String> known = Settings.ALL.stream().map(Setting::env)
        .collect(Collectors.toCollection(TreeSet::new));
    known.addAll(OTHER_VARIABLES);
    Pattern variable = Pattern.compile("\\bGATEWAY_[A-Z0-9_]*[A-Z0-9]\\b");
    Set<String> unknown = new TreeSet<>();
    for (Path doc : Docs.markdownFiles()) {
      Matcher m = variable.matcher(Docs.read(doc));
      while (m.find()) {
        if (!known.contains(m.group())) {
          unknown.add(Docs.root().relativize(doc) + ": " + m.group());
        }
      }
    }
    assertEquals(Set.of(), unknown, "documents name GATEWAY_* variables the gateway does not read");
  }

  private static String markdown(List<String> cells) {
    return "| " + String.join(" | ", cells) + " |";
  }
}
