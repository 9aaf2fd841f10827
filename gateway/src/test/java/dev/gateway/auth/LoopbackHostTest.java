package dev.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which {@code Host} headers name this host by a loopback name or address (no name is looked up). */
class LoopbackHostTest {

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1", "127.0.0.1:8080",
      "127.255.0.9:65535", " 127.0.0.1:80 ", "[::1]", "[::1]:8080", "[0:0:0:0:0:0:0:1]:8080",
      "[::ffff:127.0.0.1]:8080"})
  void loopback(String host) {
    assertTrue(Loopback.isLoopbackHost(host), host);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "evil.example", "evil.example:8080", "localhost.evil.example",
      "127.0.0.1.evil.example", "localhost.", "127.0.0.1:x", "127.0.0.1:", "127.0.0.1:8080:1",
      "127.0.0.1:123456", "[::1]x", "[::1", "::1", "::1:8080", "[127.0.0.1]:8080", "[::2]:8080",
      "10.0.0.1", "0.0.0.0:8080", "[::]:8080", "128.0.0.1", "user@127.0.0.1", "127.1",
      "[fe80::1%lo]:8080", "localhost:8080/x"})
  void notLoopback(String host) {
    assertFalse(Loopback.isLoopbackHost(host), host);
  }

  @org.junit.jupiter.api.Test
  void noHostIsNotLoopback() {
    assertFalse(Loopback.isLoopbackHost(null));
  }
}
