package dev.gateway.transport.tls;

import dev.gateway.config.GatewayConfig;
import dev.gateway.metrics.GatewayMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's server certificate ({@code server.tls.*}): loaded at start, then the two files are
 * read and hashed every {@code server.tls.reloadIntervalMs} (polling, never a file watch: a
 * Kubernetes Secret volume swaps a {@code ..data} symlink, which watches miss). When the content
 * changed and the new pair checks out ({@link TlsMaterial#read}), every HTTP server of the node
 * that registered is updated ({@link HttpServer#updateSSLOptions}): new handshakes use the new
 * certificate, open connections keep the session they have. A pair that does not check out is
 * refused, logged and counted once per change of content, and the old certificate stays.
 *
 * <p>Threading: files are read on a worker thread; the state ({@code current}, {@code seen}) is
 * written only on the context that {@link #start} ran on, and read by servers through volatile
 * fields.
 */
public final class ServerCertificates {

  private static final Logger LOG = Logger.getLogger(ServerCertificates.class.getName());
  /** Outcomes of a reload: the tags of {@code gateway_tls_reloads_total}. */
  public static final List<String> OUTCOMES = List.of("reloaded", "key_mismatch", "invalid");

  private final Vertx vertx;
  private final GatewayConfig.ServerTls config;
  private final long handshakeTimeoutMs;
  private final Path certFile;
  private final Path keyFile;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final Map<String, Counter> reloads;
  private volatile TlsMaterial current;
  private volatile ServerSSLOptions currentOptions;
  private String seen;
  private boolean polling;

  public ServerCertificates(Vertx vertx, GatewayConfig.ServerTls config, long handshakeTimeoutMs,
                            GatewayMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.handshakeTimeoutMs = handshakeTimeoutMs;
    this.certFile = Path.of(config.certFile());
    this.keyFile = Path.of(config.keyFile());
    this.reloads = Map.of(
        "reloaded", reloadCounter(metrics, "reloaded"),
        "key_mismatch", reloadCounter(metrics, "key_mismatch"),
        "invalid", reloadCounter(metrics, "invalid"));
    Gauge.builder("gateway.tls.certificate.expiry", this,
            c -> c.current == null ? Double.NaN : c.current.notAfter().getEpochSecond())
        .description("When the certificate served on the client port expires (Unix time)")
        .baseUnit("seconds")
        .register(metrics.registry());
  }

  private static Counter reloadCounter(GatewayMetrics metrics, String outcome) {
    return Counter.builder("gateway.tls.reloads")
        .description("Changes of the server.tls files seen: reloaded, or refused (old certificate"
            + " kept)")
        .tag("outcome", outcome)
        .register(metrics.registry());
  }

  /** Loads the pair (failing when it does not check out) and starts polling the files. */
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      TlsMaterial material = TlsMaterial.read(certFile, keyFile);
      material.warmUp();
      return material;
    }, false)
        .map(material -> {
          use(material);
          seen = material.hash();
          if (material.notAfter().isBefore(java.time.Instant.now())) {
            LOG.warning("server.tls.certFile: the certificate " + material.describe()
                + " has expired; clients will refuse it");
          }
          vertx.setPeriodic(config.reloadIntervalMs(), t -> poll());
          return null;
        });
  }

  /** The options new servers listen with: the current certificate and {@link TlsPolicy}. */
  public TlsMaterial current() {
    return current;
  }

  /**
   * A server of the node that listens with TLS; given the options it was created with, it is
   * brought up to date at once should a reload have happened since.
   */
  public void register(HttpServer server, TlsMaterial listenedWith) {
    servers.add(server);
    TlsMaterial now = current;
    if (now != listenedWith) {
      server.updateSSLOptions(currentOptions);
    }
  }

  public void unregister(HttpServer server) {
    servers.remove(server);
  }

  private void use(TlsMaterial material) {
    currentOptions = TlsPolicy.sslOptions(material, handshakeTimeoutMs);
    current = material;
  }

  private void poll() {
    if (polling) {
      return; // the previous read is still running (a slow volume): never two at once
    }
    polling = true;
    vertx.executeBlocking(() -> {
      String hash = TlsMaterial.hashOf(certFile, keyFile);
      if (hash == null || hash.equals(seen)) {
        return null; // unchanged (or mid-swap and unreadable: look again next time)
      }
      try {
        return new Read(hash, TlsMaterial.read(certFile, keyFile), null);
      } catch (TlsMaterial.Refused e) {
        return new Read(hash, null, e);
      }
    }, false).onComplete(ar -> {
      polling = false;
      if (ar.failed()) {
        LOG.log(Level.WARNING, "server.tls: reading the certificate files failed", ar.cause());
      } else if (ar.result() != null) {
        apply(ar.result());
      }
    });
  }

  private record Read(String hash, TlsMaterial material, TlsMaterial.Refused refused) {
  }

  private void apply(Read read) {
    seen = read.hash();
    if (read.refused() != null) {
      reloads.get(read.refused().reason()).increment();
      LOG.warning("server.tls: new certificate files refused (" + read.refused().reason()
          + "), still serving " + current.describe() + ": " + read.refused().getMessage());
      return;
    }
    use(read.material());
    ServerSSLOptions options = currentOptions;
    // shared servers of one port update one SSL context (the first one's); each is asked
    // anyway, so a server on another port would follow too
    Future.all(servers.stream().map(s -> s.updateSSLOptions(options)).toList())
        .onSuccess(done -> {
          reloads.get("reloaded").increment();
          LOG.info("server.tls: now serving " + read.material().describe());
        })
        .onFailure(err -> {
          reloads.get("invalid").increment();
          LOG.log(Level.WARNING, "server.tls: updating the servers with "
              + read.material().describe() + " failed", err);
        });
  }
}
