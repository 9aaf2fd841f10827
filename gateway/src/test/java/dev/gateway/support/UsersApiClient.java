package dev.gateway.support;

import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The users API from a backend's side ({@code /api/users/...} with a JSON body, optionally with
 * an API key), and a user's connections: native WebSocket with the token at the handshake, SockJS
 * authenticated by its first message, both with HS256 tokens of {@link #SECRET}.
 */
public final class UsersApiClient {

  public static final String SECRET = "users-api-test-secret-0123456789abcdef";

  private final Vertx vertx;
  private final WebClient web;
  private final JWTAuth signer;
  private final String apiKey;

  public UsersApiClient(Vertx vertx, String apiKey) {
    this.vertx = vertx;
    this.web = WebClient.create(vertx);
    this.signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    this.apiKey = apiKey;
  }

  /** Node settings the helpers expect: tokens required (HS256 of {@link #SECRET}). */
  public static JsonObject auth() {
    return new JsonObject().put("mode", "required").put("hs256Secret", SECRET).put("leewaySeconds", 0);
  }

  /** A token for {@code user} valid for a minute, with the given extra claims. */
  public String token(String user, JsonObject claims) {
    JsonObject c = claims.copy().put("sub", user).put("jti", UUID.randomUUID().toString());
    return signer.generateToken(c, new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(60));
  }

  /** A token for {@code user} that may subscribe to {@code news.*}. */
  public String token(String user) {
    return token(user, new JsonObject().put("subscribe", new JsonArray().add("news.*")));
  }

  /** {@code POST path} with a JSON body to the node on {@code port}; the answer read fully. */
  public HttpResponse<Buffer> post(int port, String path, JsonObject body) {
    return post(port, path, body == null ? null : body.encode(), "application/json");
  }

  /** {@code POST path} with a raw body and content type (null: none). */
  public HttpResponse<Buffer> post(int port, String path, String body, String contentType) {
    HttpRequest<Buffer> r = withKey(web.request(HttpMethod.POST, port, "127.0.0.1", path));
    if (contentType != null) {
      r.putHeader("Content-Type", contentType);
    }
    try {
      return (body == null ? r.send() : r.sendBuffer(Buffer.buffer(body))).await(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("POST " + path + " failed: " + e, e);
    }
  }

  /** {@code GET /api/users/connections?user=U}; the answer read fully. */
  public HttpResponse<Buffer> connections(int port, String user) {
    String q = user == null ? "" : "?user=" + URLEncoder.encode(user, StandardCharsets.UTF_8);
    try {
      return withKey(web.request(HttpMethod.GET, port, "127.0.0.1", "/api/users/connections" + q))
          .send().await(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("GET connections failed: " + e, e);
    }
  }

  /** The list of a connections answer. */
  public static JsonArray list(HttpResponse<Buffer> answer) {
    return answer.bodyAsJsonObject().getJsonArray("connections");
  }

  private HttpRequest<Buffer> withKey(HttpRequest<Buffer> r) {
    return apiKey == null ? r : r.putHeader("Authorization", "Bearer " + apiKey);
  }

  /** A native WebSocket of the user (token in {@code Authorization}). */
  public BridgeClient webSocket(int port, String token) {
    return BridgeClient.connect(vertx, new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(port).setURI("/ws").addHeader("Authorization", "Bearer " + token));
  }

  /** The status of a {@code /ws} handshake with the token: 101 when upgraded (then closed). */
  public int handshakeStatus(int port, String token) {
    io.vertx.core.http.WebSocketClient client = vertx.createWebSocketClient();
    try {
      client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws")
          .addHeader("Authorization", "Bearer " + token)).await(10, TimeUnit.SECONDS).close();
      return 101;
    } catch (io.vertx.core.http.UpgradeRejectedException e) {
      return e.getStatus();
    } catch (Exception e) {
      throw new AssertionError("handshake failed without an HTTP answer: " + e, e);
    } finally {
      client.close();
    }
  }

  /**
   * A SockJS xhr-streaming session of the user, authenticated by its first message (a register
   * of {@code channel} carrying the token), acked.
   */
  public SockJsSession sockJs(int port, String token, String channel) {
    SockJsSession s = SockJsSession.xhrStreaming(vertx, port);
    String id = "auth-" + UUID.randomUUID();
    s.send(new JsonObject().put("type", "register").put("address", channel).put("ack", id)
        .put("headers", new JsonObject().put("token", token)));
    if (s.await(m -> "ack".equals(m.getString("type")) && id.equals(m.getString("ack")), 10) == null) {
      s.close();
      throw new AssertionError("SockJS session not authenticated and registered: " + s.frames());
    }
    return s;
  }
}
