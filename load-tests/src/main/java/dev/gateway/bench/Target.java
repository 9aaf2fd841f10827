package dev.gateway.bench;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * What the load generator needs to know about a server's wire format: where to connect, how to
 * subscribe and publish, and what a subscription receipt looks like. Everything else (pacing,
 * counting, timing) is the same client code for every target.
 */
enum Target {

  /** The gateway's native WebSocket endpoint with the event-bus bridge JSON protocol. */
  GATEWAY("gateway", "/ws", "\"t\":") {
    @Override
    String subscribe(String channel) {
      return "{\"type\":\"register\",\"address\":\"" + channel + "\",\"ack\":\"s\"}";
    }

    @Override
    boolean isSubscribed(Buffer frame) {
      return contains(frame, "\"type\":\"ack\"");
    }

    @Override
    String publish(String channel, String body) {
      return "{\"type\":\"publish\",\"address\":\"" + channel + "\",\"body\":" + body + "}";
    }
  },

  /** A Node {@code ws} server (peers/ws-server.js) with a minimal JSON channel protocol. */
  WS("ws", "/", "\"t\":") {
    @Override
    String subscribe(String channel) {
      return "{\"type\":\"sub\",\"channel\":\"" + channel + "\"}";
    }

    @Override
    boolean isSubscribed(Buffer frame) {
      return contains(frame, "\"type\":\"ack\"");
    }

    @Override
    String publish(String channel, String body) {
      return "{\"type\":\"pub\",\"channel\":\"" + channel + "\",\"data\":" + body + "}";
    }
  },

  /**
   * Socket.IO 4 (peers/socketio-server.js) over its websocket transport: Engine.IO v4 packets
   * ({@code 0} open, {@code 2} ping answered with {@code 3}, {@code 4} message) carrying
   * Socket.IO packets ({@code 0} connect, {@code 2} event).
   */
  SOCKETIO("socketio", "/socket.io/?EIO=4&transport=websocket", "\"t\":") {
    @Override
    String subscribe(String channel) {
      return "42[\"sub\",\"" + channel + "\"]";
    }

    @Override
    boolean isSubscribed(Buffer frame) {
      return startsWith(frame, "42[\"subscribed\"");
    }

    @Override
    String publish(String channel, String body) {
      return "42[\"pub\",\"" + channel + "\"," + body + "]";
    }

    @Override
    boolean needsConnectPacket() {
      return true;
    }
  };

  final String label;
  final String path;
  /** Bytes just before a delivery's timestamp; each occurrence in a frame is one delivery. */
  final byte[] marker;

  Target(String label, String path, String marker) {
    this.label = label;
    this.path = path;
    this.marker = marker.getBytes(StandardCharsets.US_ASCII);
  }

  abstract String subscribe(String channel);

  abstract boolean isSubscribed(Buffer frame);

  abstract String publish(String channel, String body);

  /** Socket.IO: the connection is usable only after its namespace connect ({@code 40}) is answered. */
  boolean needsConnectPacket() {
    return false;
  }

  static Target byLabel(String label) {
    for (Target t : values()) {
      if (t.label.equals(label)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown target '" + label + "' (gateway, ws, socketio)");
  }

  static boolean startsWith(Buffer b, String prefix) {
    if (b.length() < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (b.getByte(i) != (byte) prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  static boolean contains(Buffer b, String s) {
    return b.toString(StandardCharsets.UTF_8).contains(s);
  }
}
