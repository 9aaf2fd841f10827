package dev.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gateway.config.Setting;
import dev.gateway.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's settings table mirrors {@link Settings#ALL}: one row per setting with the config
 * path, the environment variable and the default, e.g.
 * {@code | `server.port` | `GATEWAY_PORT` | `8080` | description |}.
 */
class ReadmeSettingsTest {

  /** The repository's README: found from the gateway module (Maven's working directory) or the root. */
  static Path readme() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("gateway/pom.xml")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        Path readme = dir.resolve("README.md");
        assertTrue(Files.isRegularFile(readme), "no README.md at the repository root " + dir);
        return readme;
      }
    }
    return fail("repository root (with gateway/pom.xml) not found above " + Path.of("").toAbsolutePath());
  }

  /** Table rows as trimmed cells, without the outer pipes. */
  static List<List<String>> tableRows(List<String> lines) {
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines) {
      String t = line.trim();
      if (t.startsWith("|") && t.endsWith("|") && t.length() > 1) {
        rows.add(Arrays.stream(t.substring(1, t.length() - 1).split("\\|", -1))
            .map(String::trim).toList());
      }
    }
    return rows;
  }

  /**
   * How a default appears in the README: null as (unset), lists comma-joined, an empty list as
   * (empty), all in backticks (the two placeholders are also accepted without backticks).
   */
  static Set<String> renderedDefault(Setting s) {
    Object d = s.defaultValue();
    if (d == null) {
      return Set.of("`(unset)`", "(unset)");
    }
    if (d instanceof List<?> l && l.isEmpty()) {
      return Set.of("`(empty)`", "(empty)");
    }
    if (d instanceof List<?> l) {
      return Set.of("`" + l.stream().map(String::valueOf).collect(Collectors.joining(", ")) + "`");
    }
    return Set.of("`" + d + "`");
  }

  @Test
  void everySettingHasARowWithPathEnvironmentAndDefault() throws IOException {
    List<List<String>> rows = tableRows(Files.readAllLines(readme()));
    List<String> problems = new ArrayList<>();
    for (Setting s : Settings.ALL) {
      String path = "`" + s.path() + "`";
      List<List<String>> matching = rows.stream().filter(r -> r.contains(path)).toList();
      if (matching.size() != 1) {
        problems.add(s.path() + ": expected one table row with " + path + ", found " + matching.size());
        continue;
      }
      List<String> row = matching.get(0);
      if (!row.contains("`" + s.env() + "`")) {
        problems.add(s.path() + ": row " + row + " lacks `" + s.env() + "`");
      }
      if (row.stream().noneMatch(renderedDefault(s)::contains)) {
        problems.add(s.path() + ": row " + row + " lacks the default " + renderedDefault(s));
      }
    }
    assertEquals(List.of(), problems, "README settings table is out of step with Settings.ALL");
  }

  @Test
  void everyGatewayVariableInTheTableIsASetting() throws IOException {
    Set<String> known = Settings.ALL.stream().map(s -> "`" + s.env() + "`").collect(Collectors.toSet());
    List<String> stale = new ArrayList<>();
    for (List<String> row : tableRows(Files.readAllLines(readme()))) {
      for (String cell : row) {
        if (cell.matches("`GATEWAY_[A-Z0-9_]+`") && !known.contains(cell)
            && !cell.equals("`GATEWAY_CONFIG`")) {
          stale.add(cell);
        }
      }
    }
    assertEquals(List.of(), stale, "README table names variables that are not settings");
  }
}
