package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/operations/nginx.md points at the nginx configuration the reverse-proxy tests run, and
 * what it quotes of it is the file's own text, so the documented and the tested configuration
 * never drift apart.
 */
class NginxDocTest {

  static final String DOC = "docs/operations/nginx.md";
  static final String CONFIG = "gateway/src/test/resources/nginx/gateway.conf";

  @Test
  void docLinksTheTestedConfiguration() {
    Path doc = Docs.file(DOC);
    Path config = Docs.file(CONFIG).normalize();
    List<String> links = Docs.links(doc).stream()
        .filter(l -> doc.getParent().resolve(l).normalize().equals(config)).toList();
    assertTrue(!links.isEmpty(), DOC + " has no link to " + CONFIG);
  }

  @Test
  void everyQuotedBlockIsWholeLinesOfTheTestedFile() {
    String file = "\n" + Docs.read(CONFIG);
    List<String> blocks = Docs.codeBlocks(DOC, "nginx");
    List<String> problems = new ArrayList<>();
    for (String block : blocks) {
      if (block.isBlank()) {
        problems.add("an empty nginx block");
      } else if (!file.contains("\n" + block)) {
        problems.add("not in " + CONFIG + " as written:\n" + block);
      }
    }
    assertEquals(List.of(), problems, DOC + " quotes nginx configuration that is not the tested file's");
  }
}
