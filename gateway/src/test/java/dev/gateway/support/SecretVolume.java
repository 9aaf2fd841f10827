package dev.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A directory laid out as the kubelet lays out a Secret volume: {@code tls.crt} and
 * {@code tls.key} are symbolic links into {@code ..data}, itself a link to a timestamped
 * directory; an update writes a new directory and swaps {@code ..data} in one rename, so the
 * files' own paths never change (what file watches miss).
 */
public final class SecretVolume {

  private final Path dir;
  private int version;

  private SecretVolume(Path dir) {
    this.dir = dir;
  }

  /** A volume holding {@code pair}. */
  public static SecretVolume of(ServerCerts.Pair pair) {
    try {
      SecretVolume v = new SecretVolume(Files.createTempDirectory("secret-volume-"));
      v.update(pair);
      Files.createSymbolicLink(v.cert(), Path.of("..data/tls.crt"));
      Files.createSymbolicLink(v.key(), Path.of("..data/tls.key"));
      return v;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path cert() {
    return dir.resolve("tls.crt");
  }

  public Path key() {
    return dir.resolve("tls.key");
  }

  /** Puts {@code pair} in the volume the kubelet's way (new directory, {@code ..data} renamed). */
  public void update(ServerCerts.Pair pair) {
    update(pair.cert(), pair.key());
  }

  /** As {@link #update(ServerCerts.Pair)} with any two files (a mismatched pair, say). */
  public void update(Path certFile, Path keyFile) {
    try {
      Path data = dir.resolve("..v" + (++version));
      Files.createDirectory(data);
      Files.copy(certFile, data.resolve("tls.crt"));
      Files.copy(keyFile, data.resolve("tls.key"));
      Path link = dir.resolve("..data_tmp");
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, data.getFileName());
      Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** As {@code server.tls} in a config file, reloading every {@code reloadMs}. */
  public io.vertx.core.json.JsonObject tlsConfig(long reloadMs) {
    return new io.vertx.core.json.JsonObject().put("certFile", cert().toString())
        .put("keyFile", key().toString()).put("reloadIntervalMs", reloadMs);
  }
}
