package dev.gateway.k8s;

import static dev.gateway.k8s.support.K8sAsserts.assertSubset;
import static dev.gateway.k8s.support.K8sAsserts.resolvePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.k8s.support.ManifestSet;
import dev.gateway.k8s.support.Manifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Services select the gateway pods on container ports; the Ingress reaches a Service port. */
class ServicesAndIngressTest {

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void everyServiceSelectsTheGatewayOnContainerPorts(ManifestSet set) {
    Manifests m = set.load();
    Container c = m.container();
    for (Service s : m.typed(Service.class)) {
      assertFalse(s.getSpec().getSelector() == null || s.getSpec().getSelector().isEmpty(),
          "Service " + s.getMetadata().getName() + " has no selector");
      assertSubset(s.getSpec().getSelector(), m.podLabels(), "Service " + s.getMetadata().getName() + " selector");
      for (ServicePort p : s.getSpec().getPorts()) {
        resolvePort(p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort()), c);
      }
    }
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void httpServiceOnPort80(ManifestSet set) {
    Manifests m = set.load();
    Service http = m.service("gateway");
    assertEquals(List.of(80), http.getSpec().getPorts().stream().map(ServicePort::getPort).toList());
    assertEquals(8080, resolvePort(http.getSpec().getPorts().get(0).getTargetPort(), m.container()));
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.ALL)
  void headlessClusterServicePublishesNotReadyPods(ManifestSet set) {
    Manifests m = set.load();
    Service cluster = m.service("gateway-cluster");
    assertEquals("None", cluster.getSpec().getClusterIP(), "headless");
    assertEquals(Boolean.TRUE, cluster.getSpec().getPublishNotReadyAddresses(), "publishNotReadyAddresses");
    assertEquals(Set.of(5701, 5702), cluster.getSpec().getPorts().stream()
        .map(p -> resolvePort(p.getTargetPort(), m.container())).collect(Collectors.toSet()));
  }

  @ParameterizedTest
  @MethodSource(ManifestSet.WITH_INGRESS)
  void ingressReachesAServicePortWithWebSocketTimeouts(ManifestSet set) {
    Manifests m = set.load();
    Ingress in = m.one(Ingress.class);
    List<IngressBackend> backends = new ArrayList<>();
    in.getSpec().getRules().forEach(r -> r.getHttp().getPaths().forEach(p -> backends.add(p.getBackend())));
    assertFalse(backends.isEmpty(), "Ingress without backends");
    for (IngressBackend b : backends) {
      Service s = m.service(b.getService().getName());
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
