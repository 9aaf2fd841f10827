package dev.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.ProcessCluster;
import dev.gateway.support.TestCluster;
import dev.gateway.testkit.GatewayProcess;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Start-up of a clustered gateway process from the jar: without a cluster secret it refuses to
 * start (exit code 2, a message naming what to set); with {@code GATEWAY_CLUSTER_INSECURE=true}
 * it starts with a loud warning; unreadable event-bus TLS files stop it the same way as a bad
 * setting.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterSecretStartupIT {

  static Map<String, String> clustered(TestCluster cluster, String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("GATEWAY_CLUSTER", "true");
    env.put("GATEWAY_CLUSTER_NAME", cluster.name());
    env.put("GATEWAY_CLUSTER_HOST", "127.0.0.1");
    env.put("GATEWAY_CLUSTER_PORT", Integer.toString(cluster.basePort()));
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void withoutASecretTheNodeRefusesToStart() {
    TestCluster cluster = TestCluster.create("nosecret");
    try (GatewayProcess node = ProcessCluster.node(cluster.name(), clustered(cluster)).launch()) {
      Integer exit = node.awaitExit(60_000);
      assertEquals(Integer.valueOf(2), exit, "exit code (null: still running)\n" + node.logTail());
      assertTrue(node.logText().contains("GATEWAY_CLUSTER_SECRET"), node.logTail());
    }
  }

  @Test
  void explicitlyInsecureStartsWithAWarning() {
    TestCluster cluster = TestCluster.create("insecure");
    try (GatewayProcess node = ProcessCluster.node(cluster.name(),
        clustered(cluster, "GATEWAY_CLUSTER_INSECURE", "true")).start(90)) {
      assertTrue(node.logText().contains("WARNING: clustering WITHOUT a secret"), node.logTail());
    }
  }

  @Test
  void unreadableTlsFilesStopTheNodeAtStartUp() {
    TestCluster cluster = TestCluster.create("tlsfiles");
    try (GatewayProcess node = ProcessCluster.node(cluster.name(), clustered(cluster,
        "GATEWAY_CLUSTER_SECRET", cluster.secret(),
        "GATEWAY_CLUSTER_TLS_CERT_FILE", "/nonexistent/node.crt",
        "GATEWAY_CLUSTER_TLS_KEY_FILE", "/nonexistent/node.key",
        "GATEWAY_CLUSTER_TLS_CA_FILE", "/nonexistent/ca.crt")).launch()) {
      assertEquals(Integer.valueOf(2), node.awaitExit(60_000),
          "exit code (null: still running)\n" + node.logTail());
      assertTrue(node.logText().contains("cluster.tls.certFile: cannot read"), node.logTail());
    }
  }
}
