package dev.gateway.connection;

import dev.gateway.support.BridgeClient;
import io.vertx.core.Vertx;

/**
 * A {@link BridgeClient} that keeps reading: registered (with ack) to one address, then each
 * {@code rec} from {@link PacedPublisher} is checked for order without keeping the message, so a
 * long run costs no heap. One phase at a time ({@link #expect}); the handler runs on one client
 * event loop.
 */
final class HealthySubscriber implements AutoCloseable {

  private final BridgeClient client;
  private final String recPrefix;
  private int next;
  private int gaps;
  private int outOfOrder;
  private volatile int received;

  private HealthySubscriber(BridgeClient client, String address) {
    this.client = client;
    this.recPrefix = "{\"type\":\"rec\",\"address\":\"" + address + "\"";
  }

  static HealthySubscriber connect(Vertx vertx, int port, String address) {
    BridgeClient c = BridgeClient.connect(vertx, port);
    c.register(address); // waits for the ack: subscribed before anything is published
    HealthySubscriber s = new HealthySubscriber(c, address);
    c.socket.textMessageHandler(s::onText); // replaces the client's queue: nothing is retained
    return s;
  }

  /**
   * Starts a phase of {@code count} messages numbered from 0. Call only while nothing is in
   * flight: the volatile write of {@code received} publishes the reset to the event loop, whose
   * handler reads {@code received} first.
   */
  void expect(int count) {
    next = 0;
    gaps = 0;
    outOfOrder = 0;
    received = 0;
  }

  private void onText(String text) {
    int count = received;
    if (!text.startsWith(recPrefix)) {
      return; // not a broadcast of this channel
    }
    int seq = (int) number(text, "\"seq\":");
    if (seq > next) {
      gaps += seq - next;
    } else if (seq < next) {
      outOfOrder++;
    }
    next = Math.max(next, seq + 1);
    received = count + 1; // volatile write publishes the fields above
  }

  private static long number(String text, String key) {
    int i = text.indexOf(key);
    if (i < 0) {
      return -1;
    }
    i += key.length();
    long v = 0;
    while (i < text.length() && Character.isDigit(text.charAt(i))) {
      v = v * 10 + (text.charAt(i++) - '0');
    }
    return v;
  }

  int received() {
    return received;
  }

  /** Messages skipped (a later sequence number arrived first); read after {@link #received()}. */
  int gaps() {
    return gaps;
  }

  int outOfOrder() {
    return outOfOrder;
  }

  /** Close code if the server closed this client, else null. */
  Short closeCode() {
    return client.awaitClose(0);
  }

  @Override
  public void close() {
    client.close();
  }
}
