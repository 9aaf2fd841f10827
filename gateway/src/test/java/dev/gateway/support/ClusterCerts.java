package dev.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throwaway certificate authority and node certificates for event-bus TLS, made at test time
 * with the openssl command line (EC P-256, valid two days) in a temporary directory: the same
 * commands docs/operations/kubernetes.md gives operators. Nothing here is a real secret.
 */
public final class ClusterCerts {

  /** A node's PEM files: certificate, private key (PKCS#8) and the CA it trusts. */
  public record Node(Path cert, Path key, Path ca) {

    /** As {@code cluster.tls} in a config file. */
    public io.vertx.core.json.JsonObject tlsConfig() {
      return new io.vertx.core.json.JsonObject().put("certFile", cert.toString())
          .put("keyFile", key.toString()).put("caFile", ca.toString());
    }
  }

  private final Path dir;
  private final Path caCert;
  private final Path caKey;

  private ClusterCerts(Path dir, Path caCert, Path caKey) {
    this.dir = dir;
    this.caCert = caCert;
    this.caKey = caKey;
  }

  /** A new CA named {@code name} in a fresh temporary directory. */
  public static ClusterCerts newAuthority(String name) {
    try {
      Path dir = Files.createTempDirectory("cluster-ca-" + name + "-");
      Path cert = dir.resolve("ca.crt");
      Path key = dir.resolve("ca.key");
      openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
          "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign");
      return new ClusterCerts(dir, cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CA's own certificate (PEM): what members trust. */
  public Path certificate() {
    return caCert;
  }

  /** A node certificate issued by this CA (client and server use), with its key. */
  public Node issue(String node) {
    try {
      Path key = dir.resolve(node + ".key");
      Path csr = dir.resolve(node + ".csr");
      Path cert = dir.resolve(node + ".crt");
      Path ext = dir.resolve(node + ".ext");
      Files.writeString(ext, "basicConstraints=critical,CA:FALSE\n"
          + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n");
      openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + node);
      openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(),
          "-CAkey", caKey.toString(), "-set_serial", Long.toString(System.nanoTime()),
          "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());
      return new Node(cert, key, caCert);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void openssl(Path dir, String... args) {
    Openssl.run(dir, args);
  }
}
