package dev.gateway.bench;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The vertx-web peer of the benchmark: vertx-web's own SockJS handler, nothing else, broadcasting
 * raw messages. Every session opens on {@code /eventbus}; each new session joins the broadcast
 * set and is sent {@code {"type":"ack"}} (the client starts counting on it); a message from a
 * session is written, as received, to every other session, and vertx-web encodes each session's
 * {@code a[...]} frame itself.
 *
 * <p>Deployed as one instance per core, like the gateway. Each instance keeps the sessions opened
 * on its event loop; a message is handed once to each instance's loop, which writes it to its own
 * sessions (the per-loop fan-out the gateway also does), so the comparison is about the SockJS
 * code, not about threading. SockJS options are vertx-web's defaults except the heartbeat, the
 * session timeout and the streaming byte limit, given on the command line (the benchmark passes
 * the gateway's); the {@code xhr_send} body limit is the gateway's message limit.
 *
 * <p>Usage: {@code java -cp bench.jar dev.gateway.bench.VertxWebPeer PORT HOST HEARTBEAT_MS
 * SESSION_TIMEOUT_MS MAX_BYTES_STREAMING BODY_LIMIT}
 */
public final class VertxWebPeer extends VerticleBase {

  private static final List<VertxWebPeer> INSTANCES = new CopyOnWriteArrayList<>();

  private final int port;
  private final String host;
  private final SockJSHandlerOptions options;
  private final long bodyLimit;
  /** Sessions opened on this instance's event loop; touched only there. */
  private final Set<SockJSSocket> sessions = new LinkedHashSet<>();
  /** How many sessions this instance has, readable from any thread (for /stats only). */
  private volatile int size;

  private VertxWebPeer(int port, String host, SockJSHandlerOptions options, long bodyLimit) {
    this.port = port;
    this.host = host;
    this.options = options;
    this.bodyLimit = bodyLimit;
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    String host = args[1];
    SockJSHandlerOptions options = new SockJSHandlerOptions()
        .setHeartbeatInterval(Long.parseLong(args[2]))
        .setSessionTimeout(Long.parseLong(args[3]))
        .setMaxBytesStreaming(Integer.parseInt(args[4]));
    long bodyLimit = Long.parseLong(args[5]);
    Vertx vertx = Vertx.vertx();
    int instances = Runtime.getRuntime().availableProcessors();
    vertx.deployVerticle(() -> new VertxWebPeer(port, host, options, bodyLimit),
            new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.printf("vertx-web-peer: listening on %s:%d (vertx-web %s,"
                + " %d instances, heartbeat %d ms, session timeout %d ms, max bytes streaming"
                + " %d)%n", host, port, version(),
            instances, options.getHeartbeatInterval(), options.getSessionTimeout(),
            options.getMaxBytesStreaming()))
        .onFailure(err -> {
          System.err.println("vertx-web-peer: failed to start: " + err);
          System.exit(1);
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close(), "peer-shutdown"));
  }

  /** vertx-web's version, from the Maven metadata the benchmark jar keeps. */
  private static String version() {
    try (InputStream in = VertxWebPeer.class.getResourceAsStream(
        "/META-INF/maven/io.vertx/vertx-web/pom.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "?");
    } catch (IOException e) {
      return "?";
    }
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/stats").handler(rc -> rc.response().putHeader("content-type", "application/json")
        .end("{\"connections\":" + INSTANCES.stream().mapToInt(i -> i.size).sum()
            + ",\"drops\":0}"));
    // xhr_send reads the request body: vertx-web's SockJS needs a BodyHandler on its POST routes
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
    router.route("/eventbus/*").subRouter(SockJSHandler.create(vertx, options)
        .socketHandler(this::opened));
    INSTANCES.add(this);
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
        .requestHandler(router).listen();
  }

  private void opened(SockJSSocket socket) {
    onLoop(() -> {
      sessions.add(socket);
      size = sessions.size();
      socket.write("{\"type\":\"ack\"}");
    });
    socket.handler(message -> {
      for (VertxWebPeer instance : INSTANCES) {
        instance.onLoop(() -> instance.broadcast(message, socket));
      }
    });
    socket.closeHandler(v -> onLoop(() -> {
      sessions.remove(socket);
      size = sessions.size();
    }));
  }

  private void broadcast(Buffer message, SockJSSocket sender) {
    for (SockJSSocket s : sessions) {
      if (s != sender) {
        s.write(message);
      }
    }
  }

  private void onLoop(Runnable task) {
    Context owner = context;
    if (Vertx.currentContext() == owner) {
      task.run();
    } else {
      owner.runOnContext(v -> task.run());
    }
  }
}
