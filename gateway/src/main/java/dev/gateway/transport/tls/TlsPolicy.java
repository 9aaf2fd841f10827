package dev.gateway.transport.tls;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the client port offers over TLS, in one place (docs/security.md, "TLS", states the same):
 * TLS 1.2 and 1.3 only; forward-secret AEAD suites only (AES-GCM and ChaCha20-Poly1305, with
 * ECDHE key exchange on TLS 1.2: no CBC, no RSA key exchange, no DHE); RSA and ECDSA
 * certificates; HTTP/1.1 only (no ALPN, as on plain HTTP). The JDK's engine does the TLS:
 * session resumption is its session cache (session ids) and its stateless session tickets,
 * both on by default.
 */
public final class TlsPolicy {

  /** Protocol versions offered. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** Cipher suites offered, in the server's order of preference (JDK / IANA names). */
  public static final List<String> CIPHER_SUITES = List.of(
      // TLS 1.3 (every TLS 1.3 suite is AEAD with ephemeral key exchange)
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      // TLS 1.2: ECDHE only, AEAD only
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private TlsPolicy() {
  }

  /**
   * Turns TLS on in {@code options} with {@code material}'s certificate; a TLS handshake that has
   * not completed within {@code handshakeTimeoutMs} is cut.
   */
  public static HttpServerOptions apply(HttpServerOptions options, TlsMaterial material,
                                        long handshakeTimeoutMs) {
    options.setSsl(true)
        .setUseAlpn(false)
        .setSslEngineOptions(new JdkSSLEngineOptions())
        .setKeyCertOptions(material.keyCertOptions())
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(PROTOCOLS))
        .setSslHandshakeTimeout(handshakeTimeoutMs)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    return options;
  }

  /** The same policy as {@link #apply} with {@code material}'s certificate, for a reload. */
  public static ServerSSLOptions sslOptions(TlsMaterial material, long handshakeTimeoutMs) {
    ServerSSLOptions options = new ServerSSLOptions()
        .setKeyCertOptions(material.keyCertOptions())
        .setEnabledSecureTransportProtocols(Set.copyOf(PROTOCOLS))
        .setUseAlpn(false)
        .setSslHandshakeTimeout(handshakeTimeoutMs)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    return options;
  }
}
