package dev.gateway.transport.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;

/**
 * One certificate chain and its private key as read from the two PEM files, checked: both parse,
 * and the key is the certificate's (it signs a random challenge that the certificate's public key
 * verifies). The bytes served are the bytes checked: Vert.x is given these buffers, never the
 * paths, so a file replaced between the check and the use cannot slip in. Reading is blocking:
 * call {@link #read} off the event loop.
 */
public final class TlsMaterial {

  /** Why a pair of files was refused: the reason tags {@code gateway_tls_reloads_total}. */
  public static final class Refused extends Exception {
    private final String reason;

    Refused(String reason, String message, Throwable cause) {
      super(message, cause);
      this.reason = reason;
    }

    /** {@code invalid} (unreadable or unparsable) or {@code key_mismatch}. */
    public String reason() {
      return reason;
    }
  }

  private final Buffer cert;
  private final Buffer key;
  private final String hash;
  private final X509Certificate leaf;
  private final KeyStore store;

  private TlsMaterial(Buffer cert, Buffer key, String hash, X509Certificate leaf, KeyStore store) {
    this.store = store;
    this.cert = cert;
    this.key = key;
    this.hash = hash;
    this.leaf = leaf;
  }

  /** SHA-256 of the two files' content as they are now (blocking; null if one is unreadable). */
  public static String hashOf(Path certFile, Path keyFile) {
    try {
      return hash(Files.readAllBytes(certFile), Files.readAllBytes(keyFile));
    } catch (IOException e) {
      return null;
    }
  }

  /** Reads and checks the pair (blocking). */
  public static TlsMaterial read(Path certFile, Path keyFile) throws Refused {
    byte[] certBytes;
    byte[] keyBytes;
    try {
      certBytes = Files.readAllBytes(certFile);
      keyBytes = Files.readAllBytes(keyFile);
    } catch (IOException e) {
      throw new Refused("invalid", "cannot read " + e.getMessage(), e);
    }
    Buffer cert = Buffer.buffer(certBytes);
    Buffer key = Buffer.buffer(keyBytes);
    KeyStore store;
    try {
      store = new PemKeyCertOptions().setCertValue(cert).setKeyValue(key).loadKeyStore(null);
    } catch (Exception e) {
      throw new Refused("invalid", certFile + " and " + keyFile + " are not a PEM certificate"
          + " chain and an unencrypted PEM private key: " + e.getMessage(), e);
    }
    X509Certificate leaf;
    PrivateKey privateKey;
    try {
      String alias = Collections.list(store.aliases()).stream().filter(a -> isKey(store, a))
          .findFirst().orElseThrow(() -> new GeneralSecurityException("no key entry"));
      Certificate[] chain = store.getCertificateChain(alias);
      leaf = (X509Certificate) chain[0];
      privateKey = (PrivateKey) store.getKey(alias,
          dev.gateway.internal.VertxInternals.pemKeyStorePassword());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new Refused("invalid", "cannot use " + certFile + " and " + keyFile + ": " + e, e);
    }
    if (!matches(privateKey, leaf.getPublicKey())) {
      throw new Refused("key_mismatch", keyFile + " is not the private key of the certificate in "
          + certFile + " (" + leaf.getSubjectX500Principal().getName() + ")", null);
    }
    return new TlsMaterial(cert, key, hash(certBytes, keyBytes), leaf, store);
  }

  private static boolean isKey(KeyStore store, String alias) {
    try {
      return store.isKeyEntry(alias);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Whether {@code key} signs what {@code publicKey} verifies (RSA, EC and EdDSA keys). */
  static boolean matches(PrivateKey key, PublicKey publicKey) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> null;
    };
    if (algorithm == null || !key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String hash(byte[] cert, byte[] key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(cert);
      digest.update((byte) 0);
      digest.update(key);
      return HexFormat.of().formatHex(digest.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A TLS handshake in memory with this certificate (blocking: at start-up, on a worker), so the
   * first client's handshake does not pay for the JDK's first use of TLS on an event loop.
   */
  void warmUp() throws Exception {
    TlsWarmUp.handshake(store, dev.gateway.internal.VertxInternals.pemKeyStorePassword());
  }

  /** The key and chain for Vert.x, as the checked bytes. */
  PemKeyCertOptions keyCertOptions() {
    return new PemKeyCertOptions().setCertValue(cert.copy()).setKeyValue(key.copy());
  }

  /** SHA-256 of the two files' content when read. */
  public String hash() {
    return hash;
  }

  /** The end-entity certificate (the chain's first). */
  public X509Certificate certificate() {
    return leaf;
  }

  /** When the end-entity certificate expires. */
  public Instant notAfter() {
    return leaf.getNotAfter().toInstant();
  }

  /** For logs: subject, serial and expiry of the certificate. */
  public String describe() {
    return leaf.getSubjectX500Principal().getName() + " (serial "
        + leaf.getSerialNumber().toString(16) + ", expires " + notAfter() + ")";
  }
}
