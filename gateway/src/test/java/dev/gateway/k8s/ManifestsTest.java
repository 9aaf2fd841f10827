package dev.gateway.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.config.ConfigLoader;
import dev.gateway.config.Setting;
import dev.gateway.config.Settings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Strict checks of the Kubernetes manifests under {@code k8s/}: every document deserialises into
 * its typed fabric8 model with no unknown field anywhere, selectors match the pod labels, Service
 * target ports and probe ports are container ports, probes hit the gateway's real health
 * endpoints, and every {@code GATEWAY_*} variable is a real setting ({@link Settings#ALL}).
 * The overlays are rendered with {@code kubectl kustomize} when kubectl is on the PATH and checked
 * the same way; their kustomization files are always checked for dangling references.
 */
class ManifestsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Typed kinds: kind -> (apiVersion, model class). */
  private static final Map<String, Map.Entry<String, Class<? extends HasMetadata>>> TYPED = Map.of(
      "Namespace", Map.entry("v1", Namespace.class),
      "ConfigMap", Map.entry("v1", ConfigMap.class),
      "Secret", Map.entry("v1", Secret.class),
      "Service", Map.entry("v1", Service.class),
      "Deployment", Map.entry("apps/v1", Deployment.class),
      "PodDisruptionBudget", Map.entry("policy/v1", PodDisruptionBudget.class),
      "NetworkPolicy", Map.entry("networking.k8s.io/v1", NetworkPolicy.class),
      "Ingress", Map.entry("networking.k8s.io/v1", Ingress.class),
      "HorizontalPodAutoscaler", Map.entry("autoscaling/v2", HorizontalPodAutoscaler.class));

  /** Kinds without a model here: checked structurally as maps. */
  private static final Map<String, String> STRUCTURAL = Map.of(
      "Kustomization", "kustomize.config.k8s.io/v1beta1",
      "Component", "kustomize.config.k8s.io/v1alpha1",
      "ServiceMonitor", "monitoring.coreos.com/v1",
      "PrometheusRule", "monitoring.coreos.com/v1");

  private static final String POD_LABEL = "app.kubernetes.io/name";

  // ---------------------------------------------------------------------------------------------
  // tests

  @Test
  void baseAndComponents() throws IOException {
    Path k8s = repoRoot().resolve("k8s");
    List<Doc> docs = new ArrayList<>();
    for (String dir : List.of("base", "components")) {
      List<Path> files = yamlFiles(k8s.resolve(dir));
      assertFalse(files.isEmpty(), "no YAML under k8s/" + dir);
      for (Path f : files) {
        docs.addAll(parse(k8s.relativize(f).toString(), Files.readString(f)));
      }
    }
    Manifests m = new Manifests(docs);
    m.validate();
    // everything the components add is present once
    assertEquals(1, m.typed(HorizontalPodAutoscaler.class).size(), "one HPA");
    assertEquals(1, m.typed(Ingress.class).size(), "one Ingress");
    assertEquals(1, m.structural("ServiceMonitor").size(), "one ServiceMonitor");
    assertEquals(1, m.structural("PrometheusRule").size(), "one PrometheusRule");
    assertEquals(1, m.typed(PodDisruptionBudget.class).size(), "one PDB");
    assertEquals(1, m.typed(NetworkPolicy.class).size(), "one NetworkPolicy");
    // every kustomization lists every YAML file of its folder and only existing paths
    for (Path dir : kustomizationDirs(k8s)) {
      checkKustomizationReferences(k8s, dir);
    }
  }

  @Test
  void overlaysReferenceExistingPaths() throws IOException {
    Path k8s = repoRoot().resolve("k8s");
    for (String overlay : List.of("dev", "prod")) {
      Path dir = k8s.resolve("overlays").resolve(overlay);
      assertTrue(Files.isRegularFile(dir.resolve("kustomization.yaml")), "missing " + dir);
      checkKustomizationReferences(k8s, dir);
    }
  }

  @Test
  void overlaysRenderAndValidate() throws Exception {
    Path kubectl = onPath("kubectl");
    Assumptions.assumeTrue(kubectl != null,
        "kubectl is not on the PATH: overlays not rendered (overlaysReferenceExistingPaths still ran)");
    Path k8s = repoRoot().resolve("k8s");

    Manifests dev = new Manifests(parse("overlays/dev (rendered)", render(kubectl, k8s.resolve("overlays/dev"))));
    dev.validate();
    assertEquals(1, dev.deployment().getSpec().getReplicas(), "dev: 1 replica");
    assertEquals("false", dev.gatewayEnv().get("GATEWAY_CLUSTER"), "dev: GATEWAY_CLUSTER=false");
    assertTrue(dev.typed(HorizontalPodAutoscaler.class).isEmpty(), "dev: no HPA");

    Manifests prod = new Manifests(parse("overlays/prod (rendered)", render(kubectl, k8s.resolve("overlays/prod"))));
    prod.validate();
    assertNull(prod.deployment().getSpec().getReplicas(),
        "prod: the HPA owns the replica count, the Deployment must not pin one");
    assertEquals(3, prod.typed(HorizontalPodAutoscaler.class).get(0).getSpec().getMinReplicas(),
        "prod: three replicas at least (HPA minReplicas)");
    assertEquals("true", prod.gatewayEnv().get("GATEWAY_CLUSTER"), "prod: GATEWAY_CLUSTER=true");
    assertEquals("gateway", prod.deployment().getMetadata().getNamespace(), "prod: namespace gateway");
    assertEquals("gateway-cluster.gateway.svc.cluster.local",
        prod.gatewayEnv().get("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS"));
    assertEquals(1, prod.typed(HorizontalPodAutoscaler.class).size(), "prod: HPA component");
    assertEquals(1, prod.typed(Ingress.class).size(), "prod: ingress component");
    assertEquals(1, prod.structural("ServiceMonitor").size(), "prod: monitoring component");
    assertEquals(1, prod.structural("PrometheusRule").size(), "prod: monitoring component");
    ConfigMap dashboard = prod.typed(ConfigMap.class).stream()
        .filter(c -> c.getMetadata().getName().equals("gateway-grafana-dashboard")).findFirst()
        .orElseGet(() -> fail("prod: no ConfigMap gateway-grafana-dashboard (monitoring component)"));
    assertEquals("1", dashboard.getMetadata().getLabels().get("grafana_dashboard"), "Grafana sidecar label");
    assertEquals(MAPPER.readTree(k8s.resolve("components/monitoring/dashboards/gateway.json").toFile()),
        MAPPER.readTree(dashboard.getData().get("gateway.json")), "dashboard ConfigMap holds dashboards/gateway.json");
  }

  // ---------------------------------------------------------------------------------------------
  // one set of documents (base + components, or one rendered overlay)

  private record Doc(String source, Map<String, Object> map, Object typed) {
    String kind() {
      return (String) map.get("kind");
    }

    String name() {
      Object md = map.get("metadata");
      return md instanceof Map<?, ?> m ? (String) m.get("name") : null;
    }

    @Override
    public String toString() {
      return kind() + "/" + name() + " (" + source + ")";
    }
  }

  private static final class Manifests {
    final List<Doc> docs;

    Manifests(List<Doc> docs) {
      this.docs = docs;
    }

    <T> List<T> typed(Class<T> type) {
      return docs.stream().filter(d -> type.isInstance(d.typed)).map(d -> type.cast(d.typed)).toList();
    }

    List<Doc> structural(String kind) {
      return docs.stream().filter(d -> kind.equals(d.kind()) && d.typed == null).toList();
    }

    Deployment deployment() {
      List<Deployment> ds = typed(Deployment.class);
      assertEquals(1, ds.size(), "exactly one Deployment");
      return ds.get(0);
    }

    Container container() {
      List<Container> cs = deployment().getSpec().getTemplate().getSpec().getContainers();
      assertEquals(1, cs.size(), "one container in the gateway pod");
      return cs.get(0);
    }

    Map<String, String> podLabels() {
      return deployment().getSpec().getTemplate().getMetadata().getLabels();
    }

    ConfigMap configMap(String name) {
      return typed(ConfigMap.class).stream().filter(c -> name.equals(c.getMetadata().getName())).findFirst()
          .orElseGet(() -> fail("envFrom names ConfigMap " + name + " which is not in the manifests"));
    }

    Secret secret(String name) {
      return typed(Secret.class).stream().filter(s -> name.equals(s.getMetadata().getName())).findFirst()
          .orElseGet(() -> fail("envFrom names Secret " + name + " which is not in the manifests"));
    }

    Service service(String name) {
      return typed(Service.class).stream().filter(s -> name.equals(s.getMetadata().getName())).findFirst()
          .orElseGet(() -> fail("no Service " + name));
    }

    /** The environment the container sees (envFrom ConfigMaps and Secrets, then env values). */
    Map<String, String> gatewayEnv() {
      Map<String, String> env = new LinkedHashMap<>();
      Container c = container();
      for (EnvFromSource from : c.getEnvFrom()) {
        assertNull(from.getPrefix(), "envFrom prefix would rename the GATEWAY_* variables");
        if (from.getConfigMapRef() != null) {
          Map<String, String> data = configMap(from.getConfigMapRef().getName()).getData();
          if (data != null) {
            env.putAll(data);
          }
        }
        if (from.getSecretRef() != null) {
          env.putAll(secretValues(secret(from.getSecretRef().getName())));
        }
      }
      for (EnvVar e : c.getEnv()) {
        env.put(e.getName(), e.getValue() != null ? e.getValue() : "<from " + e.getName() + ">");
      }
      return env;
    }

    void validate() {
      assertFalse(docs.isEmpty(), "no documents");
      for (Doc d : docs) {
        if (d.typed != null) {
          assertNoAdditionalProperties(d.typed, d.toString());
        }
      }
      Set<String> seen = new HashSet<>();
      for (Doc d : docs) {
        if (!List.of("Kustomization", "Component").contains(d.kind())) {
          assertTrue(seen.add(d.kind() + "/" + d.name()), "duplicate object " + d);
        }
      }
      checkDeployment();
      checkEnv();
      checkServices();
      checkPdb();
      checkNetworkPolicy();
      checkIngress();
      checkHpa();
      for (Doc d : structural("ServiceMonitor")) {
        checkServiceMonitor(d);
      }
      for (Doc d : structural("PrometheusRule")) {
        checkPrometheusRule(d);
      }
      checkNamespaces();
    }

    void checkDeployment() {
      Deployment d = deployment();
      assertEquals("gateway", d.getMetadata().getName());
      Map<String, String> pod = podLabels();
      assertEquals("gateway", pod.get(POD_LABEL), "pod label " + POD_LABEL);
      assertSelects(d.getSpec().getSelector(), pod, "Deployment selector");
      assertEquals("RollingUpdate", d.getSpec().getStrategy().getType());
      assertEquals(new IntOrString(0), d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable());
      assertEquals(new IntOrString(1), d.getSpec().getStrategy().getRollingUpdate().getMaxSurge());

      PodSpec ps = d.getSpec().getTemplate().getSpec();
      assertEquals(60L, ps.getTerminationGracePeriodSeconds());
      assertEquals(Boolean.TRUE, ps.getSecurityContext().getRunAsNonRoot(), "pod runAsNonRoot");
      Container c = container();
      Map<String, Integer> ports = containerPorts(c);
      assertEquals(Map.of("http", 8080, "hazelcast", 5701, "eventbus", 5702), ports, "container ports");

      probe(c.getStartupProbe(), "/health/ready", "startupProbe", c);
      probe(c.getReadinessProbe(), "/health/ready", "readinessProbe", c);
      probe(c.getLivenessProbe(), "/health/live", "livenessProbe", c);

      assertNotNull(c.getLifecycle().getPreStop().getExec(), "preStop exec");
      assertEquals(List.of("sleep", "5"), c.getLifecycle().getPreStop().getExec().getCommand());

      assertNotNull(c.getResources().getRequests().get("cpu"), "cpu request");
      assertNotNull(c.getResources().getRequests().get("memory"), "memory request");
      assertNotNull(c.getResources().getLimits().get("memory"), "memory limit");

      SecurityContext sc = c.getSecurityContext();
      assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), "allowPrivilegeEscalation");
      assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), "readOnlyRootFilesystem");
      assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), "capabilities drop ALL");
      String seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
          : ps.getSecurityContext().getSeccompProfile().getType();
      assertEquals("RuntimeDefault", seccomp);

      // read-only root: /tmp must be a writable emptyDir
      VolumeMount tmp = c.getVolumeMounts().stream().filter(v -> "/tmp".equals(v.getMountPath())).findFirst()
          .orElseGet(() -> fail("no volume mounted at /tmp"));
      Volume vol = ps.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).findFirst()
          .orElseGet(() -> fail("volume " + tmp.getName() + " not declared"));
      assertNotNull(vol.getEmptyDir(), "/tmp is an emptyDir");
      for (VolumeMount vm : c.getVolumeMounts()) {
        assertTrue(ps.getVolumes().stream().anyMatch(v -> v.getName().equals(vm.getName())),
            "volumeMount " + vm.getName() + " has no volume");
      }

      EnvVar host = c.getEnv().stream().filter(e -> e.getName().equals("GATEWAY_CLUSTER_HOST")).findFirst()
          .orElseGet(() -> fail("GATEWAY_CLUSTER_HOST not set"));
      assertEquals("status.podIP", host.getValueFrom().getFieldRef().getFieldPath(), "cluster host = pod IP");
    }

    void probe(Probe p, String path, String what, Container c) {
      assertNotNull(p, what);
      assertNotNull(p.getHttpGet(), what + " httpGet");
      assertEquals(path, p.getHttpGet().getPath(), what + " path");
      assertEquals(8080, resolvePort(p.getHttpGet().getPort(), c), what + " port");
    }

    void checkEnv() {
      Set<String> known = Settings.ALL.stream().map(Setting::env).collect(Collectors.toSet());
      known.add(ConfigLoader.CONFIG_FILE_ENV);
      List<String> names = new ArrayList<>();
      Container c = container();
      c.getEnv().forEach(e -> names.add(e.getName() + " (Deployment env)"));
      for (ConfigMap cm : typed(ConfigMap.class)) {
        if (cm.getData() != null) {
          cm.getData().keySet().forEach(k -> names.add(k + " (ConfigMap " + cm.getMetadata().getName() + ")"));
        }
      }
      for (Secret s : typed(Secret.class)) {
        secretValues(s).keySet().forEach(k -> names.add(k + " (Secret " + s.getMetadata().getName() + ")"));
      }
      for (String n : names) {
        String var = n.substring(0, n.indexOf(' '));
        if (var.startsWith("GATEWAY_")) {
          assertTrue(known.contains(var), "not a gateway setting: " + n);
        }
      }
      Map<String, String> env = gatewayEnv();
      Map<String, Integer> ports = containerPorts(c);
      assertEquals(String.valueOf(ports.get("http")), env.getOrDefault("GATEWAY_PORT", "8080"), "GATEWAY_PORT");
      assertEquals(String.valueOf(ports.get("hazelcast")), env.getOrDefault("GATEWAY_CLUSTER_PORT", "5701"),
          "GATEWAY_CLUSTER_PORT");
      assertEquals(String.valueOf(ports.get("eventbus")), env.get("GATEWAY_CLUSTER_EVENTBUS_PORT"),
          "GATEWAY_CLUSTER_EVENTBUS_PORT");
      assertTrue(env.containsKey("GATEWAY_API_KEY") && env.containsKey("GATEWAY_JWT_HS256_SECRET"),
          "secrets reach the container");
      // the gateway itself accepts this environment (types, ranges, secret length, cluster discovery)
      Map<String, String> concrete = new HashMap<>(env);
      concrete.put("GATEWAY_CLUSTER_HOST", "10.0.0.10");
      ConfigLoader.fromJson(new JsonObject(), concrete);
      if ("true".equals(env.get("GATEWAY_CLUSTER"))) {
        String dns = env.get("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS");
        assertNotNull(dns, "a clustered deployment discovers peers through the headless Service");
        String ns = deployment().getMetadata().getNamespace();
        assertEquals("gateway-cluster." + ns + ".svc.cluster.local", dns, "service DNS names the namespace");
      }
    }

    void checkServices() {
      Container c = container();
      for (Service s : typed(Service.class)) {
        assertFalse(s.getSpec().getSelector() == null || s.getSpec().getSelector().isEmpty(),
            "Service " + s.getMetadata().getName() + " has no selector");
        assertSubset(s.getSpec().getSelector(), podLabels(), "Service " + s.getMetadata().getName() + " selector");
        for (ServicePort p : s.getSpec().getPorts()) {
          IntOrString target = p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort());
          resolvePort(target, c);
        }
      }
      Service http = service("gateway");
      assertEquals(List.of(80), http.getSpec().getPorts().stream().map(ServicePort::getPort).toList());
      assertEquals(8080, resolvePort(http.getSpec().getPorts().get(0).getTargetPort(), c));
      Service cluster = service("gateway-cluster");
      assertEquals("None", cluster.getSpec().getClusterIP(), "headless");
      assertEquals(Boolean.TRUE, cluster.getSpec().getPublishNotReadyAddresses(), "publishNotReadyAddresses");
      assertEquals(Set.of(5701, 5702), cluster.getSpec().getPorts().stream()
          .map(p -> resolvePort(p.getTargetPort(), c)).collect(Collectors.toSet()));
    }

    void checkPdb() {
      for (PodDisruptionBudget pdb : typed(PodDisruptionBudget.class)) {
        assertSelects(pdb.getSpec().getSelector(), podLabels(), "PDB selector");
        assertEquals(new IntOrString(1), pdb.getSpec().getMaxUnavailable(), "PDB maxUnavailable");
      }
    }

    void checkNetworkPolicy() {
      Container c = container();
      for (NetworkPolicy np : typed(NetworkPolicy.class)) {
        assertSelects(np.getSpec().getPodSelector(), podLabels(), "NetworkPolicy podSelector");
        assertTrue(np.getSpec().getPolicyTypes().contains("Ingress"));
        Set<Integer> open = new TreeSet<>();
        Set<Integer> peersOnly = new TreeSet<>();
        for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
          assertFalse(r.getPorts().isEmpty(), "a rule without ports opens every port");
          Set<Integer> ports = new TreeSet<>();
          for (NetworkPolicyPort p : r.getPorts()) {
            ports.add(resolvePort(p.getPort(), c));
          }
          if (r.getFrom().isEmpty()) {
            open.addAll(ports);
          } else {
            for (NetworkPolicyPeer peer : r.getFrom()) {
              assertNull(peer.getIpBlock(), "cluster ports: no ipBlock");
              assertNull(peer.getNamespaceSelector(), "cluster ports: same namespace only");
              assertSelects(peer.getPodSelector(), podLabels(), "NetworkPolicy peer podSelector");
            }
            peersOnly.addAll(ports);
          }
        }
        assertEquals(Set.of(8080), open, "only 8080 is open to everyone");
        assertEquals(Set.of(5701, 5702), peersOnly, "Hazelcast and event bus only from gateway pods");
      }
    }

    void checkIngress() {
      for (Ingress in : typed(Ingress.class)) {
        List<IngressBackend> backends = new ArrayList<>();
        in.getSpec().getRules().forEach(r -> r.getHttp().getPaths().forEach(p -> backends.add(p.getBackend())));
        assertFalse(backends.isEmpty(), "Ingress without backends");
        for (IngressBackend b : backends) {
          Service s = service(b.getService().getName());
          var port = b.getService().getPort();
          assertTrue(s.getSpec().getPorts().stream().anyMatch(p ->
                  (port.getName() != null && port.getName().equals(p.getName()))
                      || (port.getNumber() != null && port.getNumber().equals(p.getPort()))),
              "Ingress backend port " + port + " not on Service " + s.getMetadata().getName());
        }
        Map<String, String> ann = in.getMetadata().getAnnotations();
        assertTrue(Integer.parseInt(ann.get("nginx.ingress.kubernetes.io/proxy-read-timeout")) >= 3600,
            "WebSocket-friendly read timeout");
        assertTrue(Integer.parseInt(ann.get("nginx.ingress.kubernetes.io/proxy-send-timeout")) >= 3600,
            "WebSocket-friendly send timeout");
      }
    }

    void checkHpa() {
      for (HorizontalPodAutoscaler h : typed(HorizontalPodAutoscaler.class)) {
        var ref = h.getSpec().getScaleTargetRef();
        assertEquals("Deployment", ref.getKind());
        assertEquals("apps/v1", ref.getApiVersion());
        assertEquals(deployment().getMetadata().getName(), ref.getName(), "HPA target");
        assertTrue(h.getSpec().getMetrics().stream().anyMatch(mt -> mt.getResource() != null
            && "cpu".equals(mt.getResource().getName())), "HPA on CPU");
        assertNotNull(container().getResources().getRequests().get("cpu"), "CPU utilisation needs a CPU request");
        assertEquals(600, h.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds());
        assertFalse(h.getSpec().getBehavior().getScaleDown().getPolicies().isEmpty(), "slow scale-down policy");
        assertTrue(h.getSpec().getMinReplicas() <= h.getSpec().getMaxReplicas());
      }
    }

    void checkServiceMonitor(Doc d) {
      Map<String, Object> m = d.map;
      allowedKeys(m, d + "", "apiVersion", "kind", "metadata", "spec");
      Map<String, Object> spec = map(m.get("spec"), d + " spec");
      allowedKeys(spec, d + " spec", "selector", "endpoints", "namespaceSelector");
      Map<String, Object> selector = map(spec.get("selector"), d + " selector");
      allowedKeys(selector, d + " selector", "matchLabels");
      Map<String, Object> match = map(selector.get("matchLabels"), d + " matchLabels");
      List<Service> selected = typed(Service.class).stream()
          .filter(s -> s.getMetadata().getLabels() != null
              && s.getMetadata().getLabels().entrySet().containsAll(stringMap(match).entrySet()))
          .toList();
      assertTrue(selected.stream().anyMatch(s -> s.getMetadata().getName().equals("gateway")),
          d + " does not select Service gateway (by its labels)");
      for (Object e : list(spec.get("endpoints"), d + " endpoints")) {
        Map<String, Object> ep = map(e, d + " endpoint");
        allowedKeys(ep, d + " endpoint", "port", "path", "interval", "scrapeTimeout", "scheme");
        assertEquals("/metrics", ep.get("path"), d + " path");
        Object port = ep.get("port");
        assertTrue(service("gateway").getSpec().getPorts().stream().anyMatch(p -> p.getName().equals(port)),
            d + " port " + port + " is not a named port of Service gateway");
      }
    }

    void checkPrometheusRule(Doc d) {
      Map<String, Object> m = d.map;
      allowedKeys(m, d + "", "apiVersion", "kind", "metadata", "spec");
      Map<String, Object> spec = map(m.get("spec"), d + " spec");
      allowedKeys(spec, d + " spec", "groups");
      String readme;
      try {
        readme = Files.readString(repoRoot().resolve("docs/operations/monitoring.md"));
      } catch (IOException e) {
        throw new AssertionError("docs/operations/monitoring.md unreadable", e);
      }
      StringBuilder allExpr = new StringBuilder();
      Set<String> alerts = new HashSet<>();
      for (Object g : list(spec.get("groups"), d + " groups")) {
        Map<String, Object> group = map(g, d + " group");
        allowedKeys(group, d + " group", "name", "interval", "rules");
        for (Object r : list(group.get("rules"), d + " rules")) {
          Map<String, Object> rule = map(r, d + " rule");
          allowedKeys(rule, d + " rule", "alert", "record", "expr", "for", "labels", "annotations");
          assertTrue(rule.get("alert") instanceof String, d + " rule without alert name: " + rule);
          assertTrue(alerts.add((String) rule.get("alert")), "duplicate alert " + rule.get("alert"));
          assertTrue(rule.get("expr") instanceof String s && !s.isBlank(), d + " rule without expr");
          if (rule.containsKey("for")) {
            assertTrue(String.valueOf(rule.get("for")).matches("\\d+[smh]"), "bad for: " + rule.get("for"));
          }
          String expr = (String) rule.get("expr");
          assertBalanced(expr, rule.get("alert") + "");
          allExpr.append(expr).append('\n');
          Matcher mt = Pattern.compile("\\bgateway_[a-z_]+").matcher(expr);
          while (mt.find()) {
            String metric = mt.group().replaceAll("_(bucket|count|sum)$", "");
            assertTrue(readme.contains("`" + metric) || readme.contains(metric + "{") || readme.contains(metric + "`"),
                "alert " + rule.get("alert") + " uses " + mt.group() + ", not a documented gateway metric");
          }
        }
      }
      String all = allExpr.toString();
      assertTrue(all.contains("gateway_connections_closed_total{reason=\"slow_consumer\"}"), "slow-consumer alert");
      assertTrue(all.contains("gateway_messages_dropped_total"), "dropped-messages alert");
      assertTrue(all.contains("gateway_cluster_members"), "cluster-size alert");
      assertTrue(all.contains("histogram_quantile(0.99") && all.contains("gateway_delivery_latency_seconds_bucket"),
          "delivery p99 alert");
    }

    void checkNamespaces() {
      Set<String> namespaces = docs.stream().filter(d -> d.typed instanceof HasMetadata h
              && !(h instanceof Namespace))
          .map(d -> String.valueOf(((HasMetadata) d.typed).getMetadata().getNamespace()))
          .collect(Collectors.toSet());
      structural("ServiceMonitor").forEach(d -> namespaces.add(String.valueOf(
          map(d.map.get("metadata"), "metadata").get("namespace"))));
      structural("PrometheusRule").forEach(d -> namespaces.add(String.valueOf(
          map(d.map.get("metadata"), "metadata").get("namespace"))));
      assertEquals(1, namespaces.size(), "all objects in one namespace: " + namespaces);
      List<Namespace> nsObjects = typed(Namespace.class);
      for (Namespace ns : nsObjects) {
        assertEquals(namespaces.iterator().next(), ns.getMetadata().getName(), "Namespace object vs objects'");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // parsing

  private static List<Doc> parse(String source, String yamlText) {
    List<Doc> out = new ArrayList<>();
    int i = 0;
    for (Object o : new Yaml().loadAll(new StringReader(yamlText))) {
      i++;
      if (o == null) {
        continue;
      }
      String where = source + " #" + i;
      Map<String, Object> map = map(o, where);
      Object kind = map.get("kind");
      Object apiVersion = map.get("apiVersion");
      assertTrue(kind instanceof String, where + ": no kind");
      assertTrue(apiVersion instanceof String, where + ": no apiVersion");
      Object typed = null;
      if (TYPED.containsKey(kind)) {
        var t = TYPED.get(kind);
        assertEquals(t.getKey(), apiVersion, where + ": apiVersion of " + kind);
        try {
          typed = MAPPER.convertValue(map, t.getValue());
        } catch (IllegalArgumentException e) {
          fail(where + ": not a valid " + kind + ": " + e.getMessage(), e);
        }
        assertNotNull(((HasMetadata) typed).getMetadata().getName(), where + ": no metadata.name");
      } else if (STRUCTURAL.containsKey(kind)) {
        assertEquals(STRUCTURAL.get(kind), apiVersion, where + ": apiVersion of " + kind);
        if (!List.of("Kustomization", "Component").contains(kind)) {
          assertNotNull(map(map.get("metadata"), where + " metadata").get("name"), where + ": no metadata.name");
        }
      } else {
        fail(where + ": unknown kind " + kind + " (add it to ManifestsTest with its model)");
      }
      out.add(new Doc(source, map, typed));
    }
    return out;
  }

  /** Fails on any fabric8 object anywhere in the graph that collected unknown fields. */
  static void assertNoAdditionalProperties(Object root, String where) {
    walk(root, where, new IdentityHashMap<>());
  }

  private static void walk(Object o, String path, IdentityHashMap<Object, Boolean> seen) {
    if (o == null || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        walk(e.getValue(), path + "." + e.getKey(), seen);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method method : o.getClass().getMethods()) {
      if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())
          || !method.getName().startsWith("get") || method.getName().equals("getClass")
          || method.getReturnType().isPrimitive()) {
        continue;
      }
      Object value;
      try {
        value = method.invoke(o);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new AssertionError(path + ": " + method.getName() + " failed: " + e.getCause(), e);
      }
      if (method.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          fail(path + " (" + o.getClass().getSimpleName() + "): unknown field(s) " + extra.keySet());
        }
        continue;
      }
      String field = Character.toLowerCase(method.getName().charAt(3)) + method.getName().substring(4);
      walk(value, path + "." + field, seen);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // kustomize references

  private static void checkKustomizationReferences(Path k8s, Path dir) throws IOException {
    Path file = dir.resolve("kustomization.yaml");
    String where = k8s.relativize(file).toString();
    Map<String, Object> k = map(new Yaml().load(Files.readString(file)), where);
    Object kind = k.get("kind");
    assertTrue(STRUCTURAL.containsKey(kind) && List.of("Kustomization", "Component").contains(kind),
        where + ": kind " + kind);
    assertEquals(STRUCTURAL.get(kind), k.get("apiVersion"), where + ": apiVersion");
    allowedKeys(k, where, "apiVersion", "kind", "namespace", "resources", "components", "patches", "replicas",
        "images", "labels", "commonAnnotations", "configMapGenerator", "secretGenerator", "generatorOptions");
    List<String> listed = new ArrayList<>();
    if (k.containsKey("configMapGenerator")) {
      for (Object g : list(k.get("configMapGenerator"), where + " configMapGenerator")) {
        Object files = map(g, where + " configMapGenerator").get("files");
        for (Object f : files == null ? List.of() : list(files, where + " configMapGenerator files")) {
          String source = String.valueOf(f).replaceFirst("^[^=]+=", "");
          assertTrue(Files.isRegularFile(dir.resolve(source)), where + ": configMapGenerator file " + f + " does not exist");
        }
      }
    }
    for (String key : List.of("resources", "components")) {
      if (k.containsKey(key)) {
        for (Object r : list(k.get(key), where + " " + key)) {
          assertTrue(r instanceof String, where + " " + key + ": " + r);
          Path p = dir.resolve((String) r).normalize();
          assertTrue(Files.exists(p), where + ": " + key + " entry " + r + " does not exist");
          if (Files.isDirectory(p)) {
            assertTrue(Files.isRegularFile(p.resolve("kustomization.yaml")),
                where + ": " + r + " has no kustomization.yaml");
            Map<String, Object> target = map(new Yaml().load(Files.readString(p.resolve("kustomization.yaml"))), r + "");
            assertEquals(key.equals("components") ? "Component" : "Kustomization", target.get("kind"),
                where + ": " + key + " entry " + r + " is a " + target.get("kind"));
          } else {
            listed.add(p.getFileName().toString());
          }
        }
      }
    }
    // a YAML file in the folder that no kustomization lists is never deployed
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(ManifestsTest::isYaml).toList()) {
        String name = f.getFileName().toString();
        if (!name.equals("kustomization.yaml")) {
          assertTrue(listed.contains(name), where + " does not list " + name);
        }
      }
    }
    // patch and replica targets name objects that exist somewhere in base/components
    Set<String> names = new HashSet<>();
    for (Path f : yamlFiles(k8s)) {
      for (Object o : new Yaml().loadAll(Files.readString(f))) {
        if (o instanceof Map<?, ?> m && m.get("metadata") instanceof Map<?, ?> md && md.get("name") != null) {
          names.add(m.get("kind") + "/" + md.get("name"));
        }
      }
    }
    if (k.containsKey("replicas")) {
      for (Object r : list(k.get("replicas"), where + " replicas")) {
        Map<String, Object> rep = map(r, where + " replicas");
        assertTrue(names.contains("Deployment/" + rep.get("name")), where + ": replicas for unknown " + rep);
        assertTrue(rep.get("count") instanceof Integer, where + ": replicas count");
      }
    }
    if (k.containsKey("patches")) {
      for (Object p : list(k.get("patches"), where + " patches")) {
        Map<String, Object> patch = map(p, where + " patch");
        Map<String, Object> target = map(patch.get("target"), where + " patch target");
        assertTrue(names.contains(target.get("kind") + "/" + target.get("name")),
            where + ": patch target " + target + " does not exist");
        assertTrue(patch.get("patch") instanceof String || patch.get("path") instanceof String, where + " patch body");
        if (patch.get("patch") instanceof String body) {
          assertPatchSettings(body, where);
        }
      }
    }
  }

  /** GATEWAY_* names in a JSON patch are real settings, and the service DNS names the overlay's namespace. */
  private static void assertPatchSettings(String body, String where) {
    Set<String> known = Settings.ALL.stream().map(Setting::env).collect(Collectors.toSet());
    known.add(ConfigLoader.CONFIG_FILE_ENV);
    Matcher m = Pattern.compile("\\bGATEWAY_[A-Z0-9_]+").matcher(body);
    while (m.find()) {
      assertTrue(known.contains(m.group()), where + ": patch sets " + m.group() + ", not a gateway setting");
    }
  }

  private static List<Path> kustomizationDirs(Path k8s) throws IOException {
    try (Stream<Path> s = Files.walk(k8s)) {
      return s.filter(p -> p.getFileName().toString().equals("kustomization.yaml")).map(Path::getParent).toList();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  static Path repoRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("gateway/pom.xml"))) {
        return dir;
      }
    }
    return fail("repository root (with gateway/pom.xml) not found above " + Path.of("").toAbsolutePath());
  }

  /** YAML manifests under dir; {@code tests/} folders hold promtool unit tests, not manifests. */
  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).filter(ManifestsTest::isYaml)
          .filter(p -> !dir.relativize(p).toString().matches("(.*/)?tests/.*")).sorted().toList();
    }
  }

  private static boolean isYaml(Path p) {
    String n = p.getFileName().toString();
    return n.endsWith(".yaml") || n.endsWith(".yml");
  }

  private static Path onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d, exe);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static String render(Path kubectl, Path overlay) throws Exception {
    Process p = new ProcessBuilder(kubectl.toString(), "kustomize", overlay.toString())
        .redirectErrorStream(false).start();
    byte[] out;
    byte[] err;
    try (InputStream o = p.getInputStream(); InputStream e = p.getErrorStream()) {
      out = o.readAllBytes();
      err = e.readAllBytes();
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize timed out");
    assertEquals(0, p.exitValue(), "kubectl kustomize " + overlay + " failed: "
        + new String(err, StandardCharsets.UTF_8));
    return new String(out, StandardCharsets.UTF_8);
  }

  private static Map<String, Integer> containerPorts(Container c) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (ContainerPort p : c.getPorts()) {
      assertNotNull(p.getName(), "container port " + p.getContainerPort() + " has no name");
      assertNull(ports.put(p.getName(), p.getContainerPort()), "duplicate port name " + p.getName());
    }
    return ports;
  }

  /** A port given by number or by name, checked against the container's ports. */
  private static int resolvePort(IntOrString port, Container c) {
    assertNotNull(port, "port missing");
    Map<String, Integer> ports = containerPorts(c);
    if (port.getStrVal() != null) {
      Integer n = ports.get(port.getStrVal());
      assertNotNull(n, "port name " + port.getStrVal() + " is not a container port " + ports.keySet());
      return n;
    }
    assertTrue(ports.containsValue(port.getIntVal()), "port " + port.getIntVal() + " is not a container port " + ports);
    return port.getIntVal();
  }

  private static void assertSelects(LabelSelector s, Map<String, String> labels, String what) {
    assertNotNull(s, what);
    assertTrue(s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty(), what + ": matchExpressions");
    assertFalse(s.getMatchLabels() == null || s.getMatchLabels().isEmpty(), what + ": empty selector");
    assertSubset(s.getMatchLabels(), labels, what);
  }

  private static void assertSubset(Map<String, String> selector, Map<String, String> labels, String what) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      assertEquals(e.getValue(), labels.get(e.getKey()), what + " " + e + " does not match pod labels " + labels);
    }
  }

  private static Map<String, String> secretValues(Secret s) {
    Map<String, String> v = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData().forEach((k, b64) -> v.put(k,
          new String(java.util.Base64.getDecoder().decode(b64), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      v.putAll(s.getStringData());
    }
    return v;
  }

  private static void assertBalanced(String expr, String what) {
    int depth = 0;
    for (char ch : expr.toCharArray()) {
      depth += ch == '(' || ch == '{' || ch == '[' ? 1 : ch == ')' || ch == '}' || ch == ']' ? -1 : 0;
      assertTrue(depth >= 0, what + ": unbalanced brackets in " + expr);
    }
    assertEquals(0, depth, what + ": unbalanced brackets in " + expr);
  }

  private static void allowedKeys(Map<String, Object> m, String where, String... allowed) {
    Set<String> extra = new TreeSet<>(m.keySet());
    extra.removeAll(Set.of(allowed));
    assertTrue(extra.isEmpty(), where + ": unknown field(s) " + extra);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String where) {
    assertTrue(o instanceof Map<?, ?>, where + ": expected a mapping, got " + o);
    return (Map<String, Object>) o;
  }

  private static List<?> list(Object o, String where) {
    assertTrue(o instanceof List<?> l && !l.isEmpty(), where + ": expected a non-empty list, got " + o);
    return (List<?>) o;
  }

  private static Map<String, String> stringMap(Map<String, Object> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }
}
