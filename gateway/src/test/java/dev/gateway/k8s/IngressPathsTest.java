package dev.gateway.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.K8sFiles;
import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import dev.gateway.transport.HttpServerVerticle;
import dev.gateway.transport.sse.SseEndpoint;
import dev.gateway.transport.sockjs.SockJsServer;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Ingress routes exactly the public paths: the client endpoints ({@code /ws} and the SockJS
 * prefix) as prefixes, {@code /sse} exactly, the chat page at exactly {@code /}, and the assets the page loads by name
 * (read from webroot/index.html, which must find each of them in webroot or as the SockJS
 * library). Never {@code /} as a prefix, no regular expressions, nothing under {@code /metrics},
 * {@code /health} or {@code /api}, and every path goes to the clients' Service.
 */
class IngressPathsTest {

  static final Path WEBROOT = Path.of("gateway/src/main/resources/webroot");

  /** Local paths the chat page loads ({@code src="/..."} and {@code href="/..."}). */
  static Set<String> pageAssets() {
    Path root = K8sFiles.repoRoot().resolve(WEBROOT);
    String page = K8sFiles.read(root.resolve("index.html"));
    Set<String> assets = new TreeSet<>();
    Matcher m = Pattern.compile("(?:src|href)=\"(/[^\"]*)\"").matcher(page);
    while (m.find()) {
      String asset = m.group(1);
      assertTrue(asset.equals(SockJsServer.LIBRARY_PATH) || Files.isRegularFile(root.resolve(asset.substring(1))),
          "index.html loads " + asset + ", which the gateway does not serve");
      assets.add(asset);
    }
    assertFalse(assets.isEmpty(), "index.html loads no local asset: the pattern no longer reads it");
    return assets;
  }

  /** Every path of the Ingress with its type. */
  static Map<String, String> paths(Ingress in) {
    Map<String, String> paths = new TreeMap<>();
    for (IngressRule r : in.getSpec().getRules()) {
      for (HTTPIngressPath p : r.getHttp().getPaths()) {
        assertNull(paths.put(p.getPath(), p.getPathType()), "path " + p.getPath() + " routed twice");
        assertEquals("gateway", p.getBackend().getService().getName(), p.getPath() + ": the clients' Service");
        assertEquals("http", p.getBackend().getService().getPort().getName(), p.getPath() + ": the public port");
      }
    }
    return paths;
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.WITH_INGRESS)
  void routesExactlyThePublicPaths(ManifestSet set) {
    Manifests m = set.load();
    Ingress in = m.one(Ingress.class);
    Map<String, String> expected = new TreeMap<>();
    expected.put("/ws", "Prefix");
    expected.put(SseEndpoint.PATH, "Exact");
    expected.put(HttpServerVerticle.SOCKJS_PREFIX, "Prefix");
    expected.put("/", "Exact");
    pageAssets().forEach(a -> expected.put(a, "Exact"));
    expected.put(SockJsServer.LIBRARY_PATH, "Exact");
    expected.put("/vertx-eventbus.js", "Exact"); // the official client, documented as served
    assertEquals(expected, paths(in), set + ": the Ingress's paths and their types");
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.WITH_INGRESS)
  void neverTheManagementEndpointsNorACatchAll(ManifestSet set) {
    Ingress in = set.load().one(Ingress.class);
    assertNull(in.getSpec().getDefaultBackend(), "a default backend routes every other path");
    paths(in).forEach((path, type) -> {
      assertFalse(path.equals("/") && !type.equals("Exact"), "\"/\" as a " + type + " routes every path");
      assertTrue(type.equals("Exact") || type.equals("Prefix"), path + ": " + type + " (may be a regular expression)");
      for (String management : new String[] {"/metrics", "/health", "/api"}) {
        assertFalse(path.startsWith(management) || (type.equals("Prefix") && management.startsWith(path)),
            path + " (" + type + ") routes " + management);
      }
    });
    Map<String, String> ann = in.getMetadata().getAnnotations();
    for (String rewrite : new String[] {"nginx.ingress.kubernetes.io/use-regex", "nginx.ingress.kubernetes.io/rewrite-target",
        "nginx.ingress.kubernetes.io/server-snippet", "nginx.ingress.kubernetes.io/configuration-snippet"}) {
      assertFalse(ann != null && ann.containsKey(rewrite), rewrite + " changes what the paths route");
    }
  }
}
