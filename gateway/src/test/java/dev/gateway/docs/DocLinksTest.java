package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of the README, docs/ and the load-test manual reaches a file of the
 * repository, and every {@code #anchor} a heading of the linked document (GitHub's slugs), so a
 * moved section or file shows up here rather than as a dead link.
 */
class DocLinksTest {

  @Test
  void relativeLinksAndAnchorsResolve() {
    List<Path> docs = new ArrayList<>(Docs.markdownFiles());
    docs.add(Docs.file("load-tests/README.md"));
    List<String> broken = new ArrayList<>();
    for (Path doc : docs) {
      for (String link : Docs.links(doc)) {
        if (link.matches("[a-z]+:.*")) {
          continue; // http:, https:, mailto:
        }
        int hash = link.indexOf('#');
        String path = hash < 0 ? link : link.substring(0, hash);
        String anchor = hash < 0 ? null : link.substring(hash + 1);
        Path target = path.isEmpty() ? doc : doc.getParent().resolve(path).normalize();
        String where = Docs.root().relativize(doc) + ": " + link;
        if (!Files.exists(target)) {
          broken.add(where + " (no such file)");
        } else if (anchor != null && !(target.toString().endsWith(".md") && anchors(target).contains(anchor))) {
          broken.add(where + " (no such heading)");
        }
      }
    }
    assertEquals(List.of(), broken, "broken links in the documentation");
  }

  /** GitHub's anchors for the headings of a Markdown file. */
  static Set<String> anchors(Path markdown) {
    Set<String> anchors = new HashSet<>();
    boolean code = false;
    for (String line : Docs.read(markdown).split("\n", -1)) {
      if (line.trim().startsWith("```")) {
        code = !code;
      } else if (!code && line.matches("#{1,6} .*")) {
        String base = slug(line.replaceFirst("#{1,6} ", ""));
        String anchor = base;
        for (int n = 1; !anchors.add(anchor); n++) {
          anchor = base + "-" + n;
        }
      }
    }
    return anchors;
  }

  /** Lower case, punctuation dropped, spaces to hyphens. */
  static String slug(String heading) {
    return heading.trim().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }
}
