package dev.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.HttpExchange.Reply;
import dev.gateway.support.SourceAddress;
import dev.gateway.support.SseClient;
import dev.gateway.support.TestGateway;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway behind Debian's nginx running the documented configuration: native WebSocket and
 * every SockJS transport work through it both ways, the Origin check still tells the page's own
 * origin from a foreign one, and the publish API's loopback rule sees the real client: nginx
 * reaches the gateway from 127.0.0.2 (a trusted proxy), test clients come from 127.0.0.1
 * (loopback) or from {@link SourceAddress} (not loopback), and none can pose as loopback with
 * an {@code X-Forwarded-For} of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReverseProxyIT {

  static final String PROXY = "127.0.0.2";

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.config(new JsonObject().put("security",
      new JsonObject().put("trustedProxies", new JsonArray().add(PROXY))));

  private Nginx nginx;
  private Vertx client;
  private HttpClient http;
  private SourceAddress source;
  private HttpClient remote;

  @BeforeAll
  void start() throws Exception {
    client = gateway.client();
    http = gateway.http();
    nginx = Nginx.start(gateway.port(), PROXY);
    source = SourceAddress.acquire(); // the remote-client tests fail (saying why) without one
    if (source != null) {
      remote = client.createHttpClient(new HttpClientOptions().setKeepAlive(false)
          .setLocalAddress(source.address));
    }
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (nginx != null) {
        nginx.close();
      }
    } finally {
      if (source != null) {
        source.close();
      }
    }
  }

  private static String channel(String what) {
    return "chat.proxy." + what + "." + System.nanoTime();
  }

  private static JsonObject echoRequest(String replyAddress, Object body) {
    return new JsonObject().put("type", "send").put("address", "echo").put("body", body)
        .put("replyAddress", replyAddress);
  }

  @Test
  void nativeWebSocketWorksThroughNginx() {
    String channel = channel("ws");
    WebSocketConnectOptions viaNginx = new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(nginx.port).setURI("/ws").setSubProtocols(List.of("v1.eventbus.gateway"));
    try (BridgeClient proxied = BridgeClient.connect(client, viaNginx);
         BridgeClient direct = gateway.connect()) {
      assertEquals("v1.eventbus.gateway", proxied.socket.subProtocol(), "subprotocol through nginx");
      proxied.register(channel);
      direct.register(channel);
      proxied.publish(channel, "up through nginx");
      assertNotNull(direct.await(m -> "up through nginx".equals(m.getValue("body")), 10),
          "a message did not go up through nginx");
      direct.publish(channel, "down through nginx");
      JsonObject down = proxied.await(m -> "down through nginx".equals(m.getValue("body")), 10);
      assertNotNull(down, "a broadcast did not come down through nginx");
      proxied.send(echoRequest("reply.ws", new JsonObject().put("n", 7)));
      assertEquals(new JsonObject().put("n", 7), body(proxied.awaitRec("reply.ws", 10)));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"websocket", "raw-websocket", "xhr-streaming", "xhr-polling", "eventsource"})
  void everySockJsTransportWorksThroughNginxBothWays(String transport) {
    String channel = channel(transport);
    try (SockJsSession s = openSockJs(transport); BridgeClient direct = gateway.connect()) {
      s.register(channel);
      direct.register(channel);
      String tag = switch (transport) {
        case "websocket" -> "sockjs-websocket";
        case "raw-websocket" -> "sockjs-raw-websocket";
        default -> transport;
      };
      assertTrue(gateway.metric("gateway_connections{transport=\"" + tag + "\"}") >= 1,
          "the session is not a " + tag + " connection on the gateway");
      direct.publish(channel, "down " + transport);
      assertEquals("down " + transport, body(s.awaitRec(channel, 10)), "failure: " + s.failure());
      s.publish(channel, "up " + transport);
      // the direct client also hears its own broadcast: wait for this one
      assertNotNull(direct.await(m -> ("up " + transport).equals(m.getValue("body")), 10),
          "a message did not go up through nginx");
      s.send(echoRequest("reply." + transport, "ping " + transport));
      assertEquals("ping " + transport, body(s.awaitRec("reply." + transport, 10)));
      assertNull(s.failure(), "transport failed through nginx");
    }
  }

  private SockJsSession openSockJs(String transport) {
    return switch (transport) {
      case "websocket" -> SockJsSession.webSocket(client, nginx.port);
      case "raw-websocket" -> SockJsSession.rawWebSocket(client, nginx.port);
      case "xhr-streaming" -> SockJsSession.xhrStreaming(client, nginx.port);
      case "xhr-polling" -> SockJsSession.xhrPolling(client, nginx.port);
      case "eventsource" -> SockJsSession.eventSource(client, nginx.port);
      default -> throw new IllegalArgumentException(transport);
    };
  }

  @Test
  void serverSentEventsPassThroughNginxAsTheyComeAndResume() throws Exception {
    String channel = channel("sse");
    String cursor;
    try (SseClient sse = SseClient.open(client, nginx.port, "/sse?channel=" + channel, Map.of())) {
      assertEquals(200, sse.status(), sse.body());
      assertEquals("subscribed", sse.next(10).type());
      assertEquals(202, gateway.publish(channel, new JsonObject().put("i", 1)));
      SseClient.Event e = sse.next(10);
      assertNotNull(e, "a publication through nginx, not held in its buffers");
      assertEquals(1, e.json().getJsonObject("body").getInteger("i"));
      cursor = sse.lastEventId();
    }
    assertEquals(202, gateway.publish(channel, new JsonObject().put("i", 2)));
    try (SseClient sse = SseClient.open(client, nginx.port, "/sse?channel=" + channel,
        Map.of("Last-Event-ID", cursor))) {
      assertEquals("subscribed", sse.next(10).type());
      SseClient.Event missed = sse.next(10);
      assertNotNull(missed, "the missed publication");
      assertEquals(2, missed.json().getJsonObject("body").getInteger("i"));
    }
  }

  @Test
  void originCheckWorksThroughNginx() {
    String own = "http://127.0.0.1:" + nginx.port;
    String foreign = "https://evil.example";
    assertEquals(101, Http.handshake(client, nginx.port, own).status(), "the page's own origin");
    Reply refused = Http.handshake(client, nginx.port, foreign);
    assertEquals(403, refused.status());
    assertEquals("origin_rejected", refused.error(), refused.body());
    // nginx passes on the Host the browser used: the same Origin sent to the gateway directly
    // (Host 127.0.0.1:<gateway port>) is a foreign one
    assertEquals(403, Http.handshake(client, gateway.port(), own).status());

    String poll = SockJsSession.newSessionPath() + "/xhr";
    Reply sameOrigin = Http.request(http, HttpMethod.POST, nginx.port, poll, Map.of("Origin", own), null);
    assertEquals(200, sameOrigin.status(), sameOrigin.body());
    assertEquals("o\n", sameOrigin.body());
    assertEquals(own, sameOrigin.headers().get("Access-Control-Allow-Origin"));
    Reply crossOrigin = Http.request(http, HttpMethod.POST, nginx.port,
        SockJsSession.newSessionPath() + "/xhr", Map.of("Origin", foreign), null);
    assertEquals(403, crossOrigin.status());
    assertEquals("origin_rejected", crossOrigin.error(), crossOrigin.body());
    assertNull(crossOrigin.headers().get("Access-Control-Allow-Origin"), "a refused origin is reflected");
  }

  @Test
  void metricsAreNotServedThroughNginx() {
    assertEquals(403, Http.request(http, HttpMethod.GET, nginx.port, "/metrics", Map.of(), null).status());
    assertEquals(200, Http.request(http, HttpMethod.GET, gateway.port(), "/metrics", Map.of(), null).status());
    assertEquals(200, Http.request(http, HttpMethod.GET, nginx.port, "/health/ready", Map.of(), null).status());
  }

  @Test
  void loopbackClientThroughNginxMayPublish() {
    String channel = channel("api");
    try (BridgeClient subscriber = gateway.connect()) {
      subscriber.register(channel);
      Reply r = Http.publish(http, nginx.port, channel, "via nginx", Map.of());
      assertEquals(202, r.status(), r.body());
      assertEquals("via nginx", body(subscriber.awaitRec(channel, 10)));
      // what the client writes itself sits left of the address nginx appends: never read
      Reply spoofed = Http.publish(http, nginx.port, channel, "spoofed", Map.of("X-Forwarded-For", "203.0.113.9"));
      assertEquals(202, spoofed.status(), spoofed.body());
    }
  }

  @Test
  void remoteClientThroughNginxCannotPoseAsLoopback() {
    requireSource();
    String channel = channel("remote");
    for (String xff : new String[] {"127.0.0.1", "127.0.0.1, 127.0.0.2", "::1", "not-an-ip", ""}) {
      Map<String, String> headers = xff.isEmpty() ? Map.of() : Map.of("X-Forwarded-For", xff);
      Reply r = Http.publish(remote, nginx.port, channel, "nope", headers);
      assertEquals(403, r.status(), "client " + source.address + " with X-Forwarded-For '" + xff + "': " + r.body());
      assertEquals("access_denied", r.error());
    }
  }

  @Test
  void remoteClientDirectlyCannotPoseAsLoopback() {
    requireSource();
    // the peer is not a trusted proxy: its X-Forwarded-For is not read at all
    Reply r = Http.publish(remote, gateway.port(), channel("direct"), "nope", Map.of("X-Forwarded-For", "127.0.0.1"));
    assertEquals(403, r.status(), r.body());
    assertEquals("access_denied", r.error());
  }

  @Test
  void withoutTrustedProxiesEveryClientOfALocalProxyLooksLocal() throws Exception {
    requireSource();
    // why the setting exists: the same setup without it lets a remote client publish
    TestGateway plain = gateway.start(new JsonObject());
    try (Nginx proxy = Nginx.start(plain.port, PROXY)) {
      Reply r = Http.publish(remote, proxy.port, channel("untrusted"), "in", Map.of());
      assertEquals(202, r.status(), r.body());
      assertEquals(403, Http.publish(remote, plain.port, channel("untrusted"), "in", Map.of()).status());
    }
  }

  /** Fails the test when this host gave no non-loopback source address. */
  private void requireSource() {
    if (source == null) {
      fail(SourceAddress.NEEDED);
    }
  }

  private static Object body(JsonObject rec) {
    assertNotNull(rec, "message not received");
    return rec.getValue("body");
  }
}
