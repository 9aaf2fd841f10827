package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The repository's documentation as the tests read it: files under the repository root, the
 * rows of a Markdown table found by its header, fenced code blocks and relative links.
 */
final class Docs {

  private Docs() {
  }

  /** The repository root, found from the gateway module (Maven's working directory) or above. */
  static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("gateway/pom.xml")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
    }
    return fail("repository root (with gateway/pom.xml) not found above " + Path.of("").toAbsolutePath());
  }

  /** A file of the repository, by its path from the root (e.g. {@code docs/protocol.md}). */
  static Path file(String relative) {
    Path p = root().resolve(relative);
    assertTrue(Files.isRegularFile(p), "missing " + relative);
    return p;
  }

  static String read(String relative) {
    return read(file(relative));
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** README.md and every Markdown file under docs/. */
  static List<Path> markdownFiles() {
    List<Path> files = new ArrayList<>();
    files.add(file("README.md"));
    try (Stream<Path> s = Files.walk(root().resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /**
   * The body rows (trimmed cells, outer pipes removed) of every table in the document whose
   * header row has exactly these cells. Fails when there is no such table.
   */
  static List<List<String>> table(String relative, String... header) {
    List<String> wanted = List.of(header);
    List<List<String>> rows = new ArrayList<>();
    boolean inTable = false;
    boolean found = false;
    for (String line : read(relative).split("\n", -1)) {
      List<String> cells = cells(line);
      if (cells == null) {
        inTable = false;
      } else if (!inTable && cells.equals(wanted)) {
        inTable = true;
        found = true;
      } else if (inTable && !cells.stream().allMatch(c -> c.matches(":?-+:?"))) {
        rows.add(cells);
      }
    }
    assertTrue(found, relative + " has no table with the header " + wanted);
    return rows;
  }

  /** The cells of a table row, or null when the line is not one. */
  private static List<String> cells(String line) {
    String t = line.trim();
    if (!t.startsWith("|") || !t.endsWith("|") || t.length() < 2) {
      return null;
    }
    return Arrays.stream(t.substring(1, t.length() - 1).split("\\|", -1)).map(String::trim).toList();
  }

  /** The contents of every fenced code block with this info string (e.g. {@code nginx}). */
  static List<String> codeBlocks(String relative, String info) {
    List<String> blocks = new ArrayList<>();
    StringBuilder current = null;
    for (String line : read(relative).split("\n", -1)) {
      if (current == null && line.trim().equals("```" + info)) {
        current = new StringBuilder();
      } else if (current != null && line.trim().equals("```")) {
        blocks.add(current.toString());
        current = null;
      } else if (current != null) {
        current.append(line).append('\n');
      }
    }
    return blocks;
  }

  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

  /** The targets of the Markdown links of a document, outside code blocks. */
  static List<String> links(Path doc) {
    List<String> targets = new ArrayList<>();
    boolean code = false;
    for (String line : read(doc).split("\n", -1)) {
      if (line.trim().startsWith("```")) {
        code = !code;
      } else if (!code) {
        Matcher m = LINK.matcher(line);
        while (m.find()) {
          targets.add(m.group(1));
        }
      }
    }
    return targets;
  }

  /** Strips the backticks around a cell's value ({@code `x`} to {@code x}). */
  static String unquote(String cell) {
    return cell.length() >= 2 && cell.startsWith("`") && cell.endsWith("`")
        ? cell.substring(1, cell.length() - 1) : cell;
  }
}
