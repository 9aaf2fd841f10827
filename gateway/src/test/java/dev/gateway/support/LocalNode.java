package dev.gateway.support;

import dev.gateway.channel.ChannelBroadcast;
import dev.gateway.channel.ChannelHub;
import dev.gateway.channel.PublishStamp;
import dev.gateway.channel.Publisher;
import dev.gateway.channel.stream.HistoryMetrics;
import dev.gateway.channel.stream.HistoryRules;
import dev.gateway.channel.stream.MemoryBroker;
import dev.gateway.cluster.ClusterSeal;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One gateway node without any network, for unit tests of the channel and connection layers:
 * a real Vert.x (local event bus, two event loops, a short execute-time limit so blocking shows
 * up in the log), the {@link GatewayMetrics} on a {@link CallCountingRegistry}, a deployed
 * {@link ChannelHub} and {@link Publisher} over an in-memory broker whose channels keep no
 * history (plain channels: what is published is what subscribers get), and two event-loop contexts for shards and connections. The event bus's own
 * consumer registrations are counted by {@link EventBusRegistrations}.
 * <pre>
 *   {@literal @}RegisterExtension
 *   final LocalNode node = new LocalNode();   // a fresh node for each test
 * </pre>
 */
public final class LocalNode extends ScopedExtension {

  /** The id this node stamps on the broadcasts it originates. */
  public static final String NODE_ID = "local-node";
  /** The node's cluster seal (a fixed test secret; rejections are not counted here). */
  static final ClusterSeal SEAL = ClusterSeal.of("local-node-test-secret-of-32-characters", reason -> { });

  private Vertx vertx;
  private EventBusRegistrations eventBus;
  private CallCountingRegistry registry;
  private GatewayMetrics metrics;
  private PublishStamp stamp;
  private ChannelHub hub;
  private Publisher publisher;
  private final List<Context> loops = new CopyOnWriteArrayList<>();

  @Override
  protected void start(String label) throws Exception {
    eventBus = new EventBusRegistrations();
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(2)
        .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100);
    vertx = Vertx.builder().with(options).withMetrics(eventBus).build();
    registry = new CallCountingRegistry();
    metrics = new GatewayMetrics(registry);
    stamp = new PublishStamp(NODE_ID);
    HistoryMetrics history = new HistoryMetrics(registry);
    MemoryBroker broker = new MemoryBroker(vertx, HistoryRules.parse(List.of()), 1, 1,
        history, new ChannelBroadcast(vertx.eventBus(), SEAL));
    publisher = new Publisher(vertx.eventBus(), stamp, broker);
    hub = new ChannelHub(metrics, stamp, broker, history, SEAL);
    vertx.deployVerticle(hub).await(10, TimeUnit.SECONDS);
    loops.clear();
    // two verticle instances land on the two event loops: their contexts host shards and connections
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        loops.add(context);
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setInstances(2)).await(10, TimeUnit.SECONDS);
  }

  @Override
  protected void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
      vertx = null;
    }
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The consumer registrations the event bus saw. */
  public EventBusRegistrations eventBus() {
    return eventBus;
  }

  public CallCountingRegistry registry() {
    return registry;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The node's publishing seam (every channel plain). */
  public Publisher publisher() {
    return publisher;
  }

  public PublishStamp stamp() {
    return stamp;
  }

  public ChannelHub hub() {
    return hub;
  }

  /** Event-loop context {@code i} (0 or 1); the two run on different event-loop threads. */
  public Context loop(int i) {
    return loops.get(i);
  }

  /** Value of the gauge {@code name} (for example {@code gateway.eventbus.registrations}). */
  public double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  /**
   * Runs {@code work} on the context and returns its result; a failure is rethrown here. Must be
   * called from the test thread, never from an event loop.
   */
  public <T> T on(Context context, Callable<T> work) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        result.complete(work.call());
      } catch (Throwable e) {
        result.fail(e);
      }
    });
    return await(result.future());
  }

  /** As {@link #on(Context, Callable)}, for work without a result. */
  public void run(Context context, ThrowingRunnable work) {
    on(context, () -> {
      work.run();
      return null;
    });
  }

  /** Waits up to 10 s for the future; its failure is rethrown here. */
  public static <T> T await(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("not completed within 10 s", e);
    }
  }

  /** Work for {@link #run}. */
  @FunctionalInterface
  public interface ThrowingRunnable {
    void run() throws Exception;
  }
}
