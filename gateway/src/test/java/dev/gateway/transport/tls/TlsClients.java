package dev.gateway.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.ServerCerts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Vert.x clients of a TLS gateway on {@code localhost}, trusting one test CA only and checking
 * the host name (as browsers do): native WebSockets over {@code wss://} and HTTPS requests, on
 * a Vert.x of their own. Close it to stop that Vert.x.
 */
final class TlsClients implements AutoCloseable {

  /** One open {@code wss://} connection: the text messages it received, its TLS session. */
  record Socket(WebSocket ws, BlockingQueue<JsonObject> received) {

    void send(JsonObject message) {
      await(ws.writeTextMessage(message.encode()));
    }

    /** Registers to {@code address} and waits for the ack. */
    void register(String address) {
      send(new JsonObject().put("type", "register").put("address", address).put("ack", "r-" + address));
      JsonObject ack = next(5);
      assertNotNull(ack, "no ack for the register to " + address);
      assertEquals("ack", ack.getString("type"), "register answer: " + ack);
    }

    /** The next message, or null after {@code seconds}. */
    JsonObject next(long seconds) {
      try {
        return received.poll(seconds, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    SSLSession session() {
      return ws.sslSession();
    }

    /** The serial number of the certificate this connection's handshake got. */
    BigInteger serverSerial() {
      try {
        return ((X509Certificate) session().getPeerCertificates()[0]).getSerialNumber();
      } catch (SSLPeerUnverifiedException e) {
        throw new AssertionError(e);
      }
    }
  }

  final Vertx vertx = Vertx.vertx();
  private final WebSocketClient ws;
  private final HttpClient http;

  TlsClients(ServerCerts ca) {
    PemTrustOptions trust = new PemTrustOptions().addCertPath(ca.certificate().toString());
    ws = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
        .setTrustOptions(trust).setVerifyHost(true).setMaxConnections(100));
    http = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustOptions(trust)
        .setVerifyHost(true).setKeepAlive(false));
  }

  /** Opens {@code wss://localhost:port/ws} with the gateway's subprotocol. */
  Socket connect(int port) {
    BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    WebSocket socket = await(ws.connect(new WebSocketConnectOptions().setHost("localhost")
        .setPort(port).setSsl(true).setURI("/ws").setSubProtocols(List.of("v1.eventbus.gateway"))));
    socket.textMessageHandler(text -> received.add(new JsonObject(text)));
    return new Socket(socket, received);
  }

  /** A failed {@code wss://} handshake's error, or null when it succeeded. */
  Throwable connectFailure(int port) {
    return await(ws.connect(new WebSocketConnectOptions().setHost("localhost").setPort(port)
            .setSsl(true).setURI("/ws").setSubProtocols(List.of("v1.eventbus.gateway")))
        .map(s -> (Throwable) null).otherwise(e -> e));
  }

  /** {@code method https://localhost:port/path} with {@code body} (or none): status and body. */
  String[] request(HttpMethod method, int port, String path, String body) {
    return await(http.request(method, port, "localhost", path).compose(req -> {
      Future<String[]> answer = req.response().compose(resp -> resp.body()
          .map(b -> new String[] {Integer.toString(resp.statusCode()), b.toString()}));
      if (body != null) {
        req.putHeader("Content-Type", "application/json").end(body);
      } else {
        req.end();
      }
      return answer;
    }));
  }

  /** {@code POST /api/publish} over HTTPS; the status. */
  int publish(int port, String address, Object body) {
    String json = new JsonObject().put("address", address).put("body", body).encode();
    return Integer.parseInt(request(HttpMethod.POST, port, "/api/publish", json)[0]);
  }

  @Override
  public void close() {
    await(vertx.close());
  }

  /** The future's result within 30 s (a loaded machine is slow at its first TLS handshakes). */
  static <T> T await(Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within 30 s", e);
    }
  }
}
