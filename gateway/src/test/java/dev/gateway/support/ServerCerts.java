package dev.gateway.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway certificate authority and server certificates for the client port's TLS, made at
 * test time with the openssl command line in a temporary directory (the CA is EC P-256 and valid
 * two days). Certificates name {@code localhost} and {@code 127.0.0.1} unless told otherwise.
 * Nothing here is a real secret.
 */
public final class ServerCerts {

  /** The server key's type. */
  public enum KeyType { RSA, EC }

  /** A certificate (PEM chain: the server's, then the CA's) and its key (PEM). */
  public record Pair(Path cert, Path key, BigInteger serial) {

    /** As {@code server.tls} in a config file, reloading every {@code reloadMs}. */
    public JsonObject tlsConfig(long reloadMs) {
      return new JsonObject().put("certFile", cert.toString()).put("keyFile", key.toString())
          .put("reloadIntervalMs", reloadMs);
    }
  }

  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  private final Path dir;
  private final Path caCert;
  private final Path caKey;

  private ServerCerts(Path dir, Path caCert, Path caKey) {
    this.dir = dir;
    this.caCert = caCert;
    this.caKey = caKey;
  }

  /** A new CA named {@code name} in a fresh temporary directory. */
  public static ServerCerts newAuthority(String name) {
    try {
      Path dir = Files.createTempDirectory("server-ca-" + name + "-");
      Path cert = dir.resolve("ca.crt");
      Path key = dir.resolve("ca.key");
      Openssl.run(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
          "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign");
      return new ServerCerts(dir, cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CA certificate (PEM): what clients trust. */
  public Path certificate() {
    return caCert;
  }

  /** A server certificate for localhost and 127.0.0.1, valid two days. */
  public Pair issue(String name, KeyType type) {
    return issue(name, type, "DNS:localhost,IP:127.0.0.1", 2);
  }

  /**
   * A server certificate with the given subject alternative names, valid {@code days} from now
   * ({@code -1}: already expired).
   */
  public Pair issue(String name, KeyType type, String subjectAltNames, int days) {
    try {
      Path key = dir.resolve(name + ".key");
      Path csr = dir.resolve(name + ".csr");
      Path leaf = dir.resolve(name + ".leaf.crt");
      Path chain = dir.resolve(name + ".crt");
      Path ext = dir.resolve(name + ".ext");
      Files.writeString(ext, "basicConstraints=critical,CA:FALSE\n"
          + "keyUsage=critical,digitalSignature" + (type == KeyType.RSA ? ",keyEncipherment" : "")
          + "\nextendedKeyUsage=serverAuth\nsubjectAltName=" + subjectAltNames + "\n");
      if (type == KeyType.RSA) {
        Openssl.run(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
            "-out", csr.toString(), "-subj", "/CN=" + name);
      } else {
        Openssl.run(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
      }
      long serial = SERIALS.incrementAndGet();
      Openssl.run(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(),
          "-CAkey", caKey.toString(), "-set_serial", Long.toString(serial),
          "-days", Integer.toString(days), "-extfile", ext.toString(), "-out", leaf.toString());
      Files.writeString(chain, Files.readString(leaf) + Files.readString(caCert));
      return new Pair(chain, key, BigInteger.valueOf(serial));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client-side SSL context that trusts this CA only (TLS 1.2 and 1.3). */
  public SSLContext clientContext() {
    try (InputStream in = Files.newInputStream(caCert)) {
      X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(in);
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(
          TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException("cannot trust " + caCert, e);
    }
  }
}
