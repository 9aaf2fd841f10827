package dev.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's reverse-proxy section shows the nginx configuration {@code ReverseProxyIT} runs,
 * verbatim, so the documented one and the tested one never drift apart.
 */
class ReadmeNginxConfigTest {

  static final Path CONFIG = Path.of("src/test/resources/nginx/gateway.conf");

  @Test
  void readmeShowsTheTestedNginxConfigurationVerbatim() throws IOException {
    Path readme = ReadmeSettingsTest.readme();
    Path config = readme.getParent().resolve("gateway").resolve(CONFIG);
    String text = Files.readString(config);
    String markdown = Files.readString(readme);
    int section = markdown.indexOf("\n## Behind a reverse proxy (nginx)\n");
    assertTrue(section >= 0, "README has no '## Behind a reverse proxy (nginx)' section");
    int next = markdown.indexOf("\n## ", section + 1);
    String body = markdown.substring(section, next < 0 ? markdown.length() : next);
    String block = "```nginx\n" + text + "```\n";
    assertTrue(body.contains(block), "the README's nginx block differs from " + CONFIG
        + "; paste the file between ```nginx and ``` in that section");
    assertEquals(1, body.split("```nginx", -1).length - 1, "one nginx block in the section");
  }
}
