package dev.gateway;

import dev.gateway.config.ConfigException;
import dev.gateway.config.ConfigLoader;
import dev.gateway.config.GatewayConfig;
import dev.gateway.logging.LogRedaction;
import dev.gateway.transport.tls.TlsMaterial;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.gateway.cluster.Clustering;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.TimeUnit;

/** {@code java -jar gateway.jar [--config FILE]}: starts one gateway node. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    LogRedaction.install(); // before anything logs: no token reaches a log line
    GatewayConfig config;
    try {
      config = ConfigLoader.load(args, System.getenv());
      Clustering.checkFiles(config.cluster());
      checkServerTls(config.server().tls());
    } catch (ConfigException e) {
      System.err.println("gateway: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MainVerticle main = new MainVerticle(config, registry);
    Vertx vertx;
    try {
      vertx = startVertx(config, new VertxOptions(), registry).await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("gateway: could not start Vert.x" + (config.cluster().enabled()
          ? " or join the cluster" : "") + ": " + e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        // paced drain first (readiness fails at once), then stop and leave the cluster
        main.drain().toCompletionStage().toCompletableFuture()
            .get(config.server().drainWindowMs() + 5_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        System.err.println("gateway: drain did not complete: " + e);
      }
      try {
        vertx.close().toCompletionStage().toCompletableFuture()
            .get(config.server().shutdownTimeoutMs() + 30_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        System.err.println("gateway: shutdown did not complete cleanly: " + e);
      }
    }, "gateway-shutdown"));
    vertx.deployVerticle(main).onComplete(ar -> {
      if (ar.succeeded()) {
        System.out.println("gateway: listening on "
            + (config.server().tls().enabled() ? "https://" : "http://") + config.server().host() + ":"
            + config.server().port() + " (" + config.effectiveEventLoops() + " event loops"
            + (config.cluster().enabled() ? ", clustered as '" + config.cluster().name() + "'" : "")
            + ")" + (config.management().separate() ? "; metrics, health and API on http://"
            + config.management().effectiveHost(config.server()) + ":" + main.managementPort() : ""));
      } else {
        System.err.println("gateway: failed to start: " + ar.cause());
        System.exit(1);
      }
    });
  }

  /**
   * The client port's certificate and key parse and belong together: a clear message and exit
   * code 2 at start-up rather than a failed deployment.
   */
  private static void checkServerTls(GatewayConfig.ServerTls tls) {
    if (!tls.enabled()) {
      return;
    }
    try {
      TlsMaterial.read(java.nio.file.Path.of(tls.certFile()), java.nio.file.Path.of(tls.keyFile()));
    } catch (TlsMaterial.Refused e) {
      throw new ConfigException("server.tls.certFile / server.tls.keyFile: " + e.getMessage());
    }
  }

  /**
   * Vert.x with Micrometer metrics on the registry; clustered over Hazelcast when the
   * configuration says so (the future completes once the node joined).
   */
  public static Future<Vertx> startVertx(GatewayConfig config, VertxOptions options,
                                         MeterRegistry registry) {
    LogRedaction.install();
    options.setMetricsOptions(metricsOptions());
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
    if (config.cluster().enabled()) {
      return Clustering.start(builder, options, config.cluster(), config.history().backups());
    }
    return Future.succeededFuture(builder.with(options).build());
  }

  private static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true);
  }

  /** Vert.x with Micrometer metrics (JVM, Vert.x and the gateway's own) on the given registry. */
  public static Vertx createVertx(MeterRegistry registry) {
    return createVertx(new VertxOptions(), registry);
  }

  /** As {@link #createVertx(MeterRegistry)}, with the caller's options (tests shorten timeouts). */
  public static Vertx createVertx(VertxOptions options, MeterRegistry registry) {
    LogRedaction.install();
    options.setMetricsOptions(metricsOptions());
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
  }
}
