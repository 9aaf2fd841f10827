package dev.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketFrame;

/**
 * One client WebSocket of the load generator, whatever the target: completes {@link #ready()}
 * when the target considers it connected, {@link #subscribed()} on the subscription receipt, and
 * from then on counts every delivery into the shared {@link Deliveries}.
 */
final class Session implements Sender {

  private final Target target;
  private final WebSocket ws;
  private final Deliveries deliveries;
  private final Promise<Void> ready = Promise.promise();
  private final Promise<Void> subscribed = Promise.promise();
  private volatile boolean counting;
  private final java.util.concurrent.atomic.AtomicInteger acks =
      new java.util.concurrent.atomic.AtomicInteger();

  Session(Target target, WebSocket ws, Deliveries deliveries) {
    this.target = target;
    this.ws = ws;
    this.deliveries = deliveries;
    ws.frameHandler(this::onFrame);
    ws.exceptionHandler(err -> { });
    ws.closeHandler(v -> {
      ready.tryFail("closed");
      subscribed.tryFail("closed");
    });
    if (!target.needsConnectPacket()) {
      ready.complete();
    }
  }

  Future<Void> ready() {
    return ready.future();
  }

  Future<Void> subscribed() {
    return subscribed.future();
  }

  /** Subscription receipts received so far (one per channel subscribed). */
  int acks() {
    return acks.get();
  }

  WebSocket socket() {
    return ws;
  }

  Future<Void> subscribe(String channel) {
    ws.writeTextMessage(target.subscribe(channel));
    return subscribed.future();
  }

  @Override
  public void send(String text) {
    ws.writeTextMessage(text);
  }

  void close() {
    ws.close();
  }

  private void onFrame(WebSocketFrame frame) {
    if (!frame.isText() && !frame.isContinuation()) {
      return;
    }
    Buffer b = frame.binaryData();
    if (counting) {
      if (deliveries.scan(b, 0, b.length(), target.marker) > 0) {
        deliveries.addBytes(b.length());
        return;
      }
    }
    if (target == Target.SOCKETIO && b.length() >= 1) {
      byte first = b.getByte(0);
      if (first == '2' && b.length() == 1) {
        ws.writeTextMessage("3"); // Engine.IO ping -> pong
        return;
      }
      if (first == '0' && b.length() > 1 && b.getByte(1) == '{') {
        ws.writeTextMessage("40"); // Engine.IO open -> Socket.IO namespace connect
        return;
      }
      if (first == '4' && b.length() > 1 && b.getByte(1) == '0') {
        ready.tryComplete();
        return;
      }
    }
    if (target.isSubscribed(b)) {
      acks.incrementAndGet();
      if (!counting) {
        counting = true;
        subscribed.tryComplete();
      }
    }
  }
}
