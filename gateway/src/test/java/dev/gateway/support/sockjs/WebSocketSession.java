package dev.gateway.support.sockjs;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The SockJS WebSocket transports.
 * <ul>
 *   <li>framed, {@code /eventbus/<server>/<session>/websocket}: each text frame from the server
 *   is one SockJS frame ({@code o}, {@code h}, {@code a[...]}, {@code c[...]}); the client sends
 *   JSON arrays of strings.</li>
 *   <li>raw, {@code /eventbus/websocket}: plain text frames, one bridge message each way; every
 *   text frame received is recorded in {@link #frames()} as it came.</li>
 * </ul>
 */
public final class WebSocketSession extends SockJsSession {

  private final WebSocketClient client;
  private final boolean raw;
  private final ClientWebSocket socket;
  private volatile Short closeCode;

  WebSocketSession(Vertx vertx, int port, String uri, boolean raw) {
    this.client = vertx.createWebSocketClient();
    this.raw = raw;
    // handlers set before connecting: the server's first frame ("o") may come with the handshake
    ClientWebSocket ws = client.webSocket();
    this.socket = ws;
    ws.textMessageHandler(raw ? this::onRawText : this::onFrame);
    ws.closeHandler(v -> closeCode = ws.closeStatusCode());
    ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
        .onSuccess(connected -> {
          if (raw) {
            markOpened();
          }
        })
        .onFailure(this::fail);
  }

  private void onRawText(String text) {
    recordFrame(text);
    onMessage(text);
  }

  @Override
  public void sendMessages(String... messages) {
    if (raw) {
      for (String m : messages) {
        socket.writeTextMessage(m);
      }
    } else {
      sendFrame(new JsonArray(List.of((Object[]) messages)).encode());
    }
  }

  /** Writes one text frame as is (for malformed-frame tests). */
  public void sendFrame(String text) {
    socket.writeTextMessage(text);
  }

  /** The WebSocket close code once the socket closed, else null. */
  public Short closeCode() {
    return closeCode;
  }

  @Override
  public void close() {
    try {
      socket.close().await(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // already closed by the server
    }
    client.close();
  }
}
