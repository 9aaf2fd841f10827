package dev.gateway.channel;

import dev.gateway.protocol.Outbound;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A local subscriber that keeps every broadcast it accepts and refuses everything once closed
 * (as {@link Subscriber#deliver} requires of a closed subscriber). Each offer is recorded, so a
 * test can tell "offered and refused" from "not offered".
 */
final class RecordingSubscriber implements Subscriber {

  final String name;
  private final String transport;
  private final List<Outbound> accepted = new CopyOnWriteArrayList<>();
  private volatile int offers;
  private volatile boolean closed;
  private volatile Consumer<Outbound> onDeliver = m -> { };

  RecordingSubscriber(String name, String transport) {
    this.name = name;
    this.transport = transport;
  }

  @Override
  public boolean deliver(Outbound message) {
    offers++;
    if (closed) {
      return false;
    }
    accepted.add(message);
    onDeliver.accept(message);
    return true;
  }

  @Override
  public String transportName() {
    return transport;
  }

  /** Runs {@code action} (on the shard's loop) after each accepted broadcast. */
  void onDeliver(Consumer<Outbound> action) {
    this.onDeliver = action;
  }

  void close() {
    closed = true;
  }

  int offers() {
    return offers;
  }

  List<Outbound> accepted() {
    return accepted;
  }

  /** The {@code body} of each accepted {@code rec}, in order. */
  List<Object> bodies() {
    return accepted.stream().map(m -> new JsonObject(m.text()).getValue("body")).toList();
  }

  @Override
  public String toString() {
    return name;
  }
}
