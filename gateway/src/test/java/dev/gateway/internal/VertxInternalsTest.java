package dev.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pins every Vert.x 5.0 internal the gateway uses ({@link VertxInternals}) against a real Vert.x
 * server and client: if an upgrade of Vert.x moves one of them, these fail before anything else.
 */
class VertxInternalsTest {

  private Vertx vertx;
  private HttpServer server;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private int listen(HttpServerOptions options, io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler)
      throws Exception {
    return listen(options, handler, conn -> { });
  }

  private int listen(HttpServerOptions options, io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler,
                     io.vertx.core.Handler<io.vertx.core.http.HttpConnection> connections) throws Exception {
    server = vertx.createHttpServer(options.setHost("127.0.0.1").setPort(0)).requestHandler(handler)
        .connectionHandler(connections);
    return server.listen().await(10, TimeUnit.SECONDS).actualPort();
  }

  @Test
  void aWebSocketsChannelHasVertxsHandlerAndTakesAGuardBeforeIt() throws Exception {
    Promise<List<String>> names = Promise.promise();
    List<Object> seen = new CopyOnWriteArrayList<>();
    int port = listen(new HttpServerOptions(), req -> req.toWebSocket().onSuccess(ws -> {
      ChannelHandlerContext ctx = VertxInternals.context(ws);
      assertNotNull(ctx, "a ServerWebSocket exposes its channel context");
      assertEquals(VertxInternals.VERTX_HANDLER, ctx.name(), "the context is Vert.x's handler's");
      assertFalse(VertxInternals.hasExtension(ctx), "no extension without compression");
      VertxInternals.addBeforeVertx(ctx, "probe", new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
          seen.add(msg.getClass().getSimpleName());
          c.fireChannelRead(msg);
        }
      });
      names.complete(ctx.pipeline().names());
    }));
    WebSocketClient client = vertx.createWebSocketClient();
    var ws = client.connect(port, "127.0.0.1", "/").await(10, TimeUnit.SECONDS);
    List<String> pipeline = names.future().await(10, TimeUnit.SECONDS);
    assertTrue(pipeline.indexOf("probe") >= 0 && pipeline.indexOf("probe") < pipeline.indexOf("handler"),
        "the guard sits before Vert.x's handler: " + pipeline);
    ws.writeTextMessage("hi").await(10, TimeUnit.SECONDS);
    ws.writePing(Buffer.buffer("p")).await(10, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (seen.size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(seen.contains("TextWebSocketFrame") && seen.contains("PingWebSocketFrame"),
        "the guard sees Netty's decoded frames, control frames included: " + seen);
  }

  @Test
  void permessageDeflateShowsAsAnExtensionAndItsHandlerCanBeReplaced() throws Exception {
    Promise<Boolean> extension = Promise.promise();
    Promise<Boolean> replaced = Promise.promise();
    HttpServerOptions options = new HttpServerOptions().setPerMessageWebSocketCompressionSupported(true);
    // the replacement is only checked for presence here; CompressionTest checks the cap itself
    int port = listen(options, req -> req.toWebSocket().onSuccess(ws ->
        extension.complete(VertxInternals.hasExtension(VertxInternals.context(ws)))),
        conn -> replaced.tryComplete(VertxInternals.replaceExtensionHandler(conn,
            new io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler(
                new io.netty.handler.codec.http.websocketx.extensions.compression
                    .PerMessageDeflateServerExtensionHandshaker()))));
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setTryUsePerMessageCompression(true));
    client.connect(new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1").setURI("/"))
        .await(10, TimeUnit.SECONDS);
    assertTrue(replaced.future().await(10, TimeUnit.SECONDS), "Vert.x's extension handler was found by name");
    assertTrue(extension.future().await(10, TimeUnit.SECONDS), "a compressed WebSocket has an extension encoder");
  }

  @Test
  void anHttpConnectionExposesItsChannelContext() throws Exception {
    Promise<ChannelHandlerContext> ctx = Promise.promise();
    int port = listen(new HttpServerOptions(), req -> {
      ctx.tryComplete(VertxInternals.context(req.connection()));
      req.response().end("ok");
    });
    HttpClient http = vertx.createHttpClient();
    http.request(io.vertx.core.http.HttpMethod.GET, port, "127.0.0.1", "/")
        .compose(r -> r.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS);
    ChannelHandlerContext c = ctx.future().await(10, TimeUnit.SECONDS);
    assertNotNull(c);
    assertEquals(VertxInternals.VERTX_HANDLER, c.name());
  }

  @Test
  void theKeyOfAPemKeyStoreOpensWithThePasswordGiven(@org.junit.jupiter.api.io.TempDir
                                                     java.nio.file.Path dir) throws Exception {
    dev.gateway.support.Openssl.run(dir, "req", "-x509", "-newkey", "ec",
        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem",
        "-out", "cert.pem", "-days", "1", "-subj", "/CN=localhost");
    java.security.KeyStore store = new io.vertx.core.net.PemKeyCertOptions()
        .setKeyPath(dir.resolve("key.pem").toString())
        .setCertPath(dir.resolve("cert.pem").toString())
        .loadKeyStore(vertx);
    String alias = java.util.Collections.list(store.aliases()).get(0);
    assertNotNull(store.getKey(alias, VertxInternals.pemKeyStorePassword()),
        "the key store's key does not open with the password");
  }

  @Test
  void aBufferOverAByteBufSharesItsBytesAndViewsDoNotReleaseThem() {
    ByteBuf direct = Unpooled.unreleasableBuffer(Unpooled.directBuffer(5).writeBytes("hello".getBytes(StandardCharsets.US_ASCII)));
    Buffer buffer = VertxInternals.buffer(direct);
    direct.setByte(0, 'j');
    assertEquals("jello", buffer.toString(), "no copy was made");
    ByteBuf view = VertxInternals.byteBuf(buffer);
    view.release(); // what a write does to it
    assertEquals("jello", VertxInternals.byteBuf(buffer).toString(StandardCharsets.US_ASCII),
        "a released view leaves the shared bytes intact");
  }

  @Test
  void anUpgradedWebSocketTakesTheDirectOutboundQueueAndStillWritesAndCloses() throws Exception {
    Promise<String[]> queues = Promise.promise();
    int port = listen(new HttpServerOptions(), req -> req.toWebSocket().onSuccess(ws -> {
      try {
        String before = VertxInternals.outboundQueueClass(ws);
        boolean swapped = VertxInternals.useDirectOutboundQueue(ws);
        queues.complete(new String[] {before, String.valueOf(swapped), VertxInternals.outboundQueueClass(ws)});
      } catch (ReflectiveOperationException e) {
        queues.fail(e);
        return;
      }
      ws.textMessageHandler(m -> {
        if (m.equals("hello")) {
          ws.writeTextMessage("through Vert.x's own write path");
        } else {
          ws.close((short) 4321, "bye");
        }
      });
    }));
    WebSocketClient client = vertx.createWebSocketClient();
    var ws = client.connect(port, "127.0.0.1", "/").await(10, TimeUnit.SECONDS);
    Promise<String> first = Promise.promise();
    Promise<Short> closed = Promise.promise();
    ws.textMessageHandler(first::tryComplete);
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
    ws.writeTextMessage("hello");
    String[] q = queues.future().await(10, TimeUnit.SECONDS);
    assertEquals("InternalMessageChannel", q[0], "Vert.x 5.0 gives WebSockets its multi-producer queue");
    assertEquals("true", q[1]);
    assertEquals("DirectOutboundMessageQueue", q[2]);
    assertEquals("through Vert.x's own write path", first.future().await(10, TimeUnit.SECONDS));
    ws.writeTextMessage("close please");
    assertEquals((short) 4321, closed.future().await(10, TimeUnit.SECONDS), "a close frame through the direct queue");
  }

  @Test
  void aNodeWithoutClusterHasNoClusterManager() {
    assertNull(VertxInternals.clusterManager(vertx));
  }
}
