package dev.gateway.support;

import dev.gateway.testkit.Ports;
import java.util.UUID;

/**
 * A cluster for one test class: a name no other run uses and a Hazelcast base port with the two
 * ports after it free (the second and third member auto-increment from it), so clusters of
 * parallel or earlier runs never merge with it; and a cluster secret of its own (random, made
 * for the test, never a real one).
 */
public record TestCluster(String name, int basePort, String secret) {

  /** {@code it-LABEL-1a2b3c4d} on a free port range, with a fresh secret. */
  public static TestCluster create(String label) {
    return new TestCluster(uniqueName(label), Ports.freeRange(3), newSecret());
  }

  /** A random cluster secret (43 characters) for a test cluster. */
  public static String newSecret() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** {@code it-LABEL-1a2b3c4d}. */
  public static String uniqueName(String label) {
    return "it-" + label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
