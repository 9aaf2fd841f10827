package dev.gateway.bench;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * What the load generator needs to know about a server's wire format: where to connect, how to
 * subscribe and publish, and what a subscription receipt looks like. Everything else (pacing,
 * counting, timing) is the same client code for every target. A target speaks native WebSocket
 * (the {@code connect}, {@code saturation}, {@code latency} and {@code overload} phases), SockJS
 * on {@code /eventbus} (the {@code sockjs} and {@code eventsource} phases), or both.
 */
enum Target {

  /**
   * The gateway: its native WebSocket endpoint and its SockJS endpoint, both with the event-bus
   * bridge JSON protocol (a SockJS subscriber registers over {@code xhr_send}).
   */
  GATEWAY("gateway", "/ws", "\"t\":", true, true) {
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
  WS("ws", "/", "\"t\":", true, false) {
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
  SOCKETIO("socketio", "/socket.io/?EIO=4&transport=websocket", "\"t\":", true, false) {
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
  },

  /** sockjs-node (peers/sockjs-server.js): raw SockJS messages broadcast to every other session. */
  SOCKJS_NODE("sockjs-node", null, "\"t\":", false, true) {
    @Override
    String publish(String channel, String body) {
      return PeerFraming.delivery(channel, body);
    }
  },

  /** vertx-web's bare SockJS handler ({@link VertxWebPeer}), the same broadcast as sockjs-node. */
  VERTX_WEB("vertx-web", null, "\"t\":", false, true) {
    @Override
    String publish(String channel, String body) {
      return PeerFraming.delivery(channel, body);
    }
  };

  /** Where the SockJS endpoint of every SockJS target is mounted. */
  static final String SOCKJS_PREFIX = "/eventbus";

  final String label;
  final String path;
  /** Bytes just before a delivery's timestamp; each occurrence in a frame is one delivery. */
  final byte[] marker;

  /** Serves native WebSocket connections (on {@link #path}). */
  final boolean webSocket;
  /** Serves SockJS on {@link #SOCKJS_PREFIX}. */
  final boolean sockJs;

  Target(String label, String path, String marker, boolean webSocket, boolean sockJs) {
    this.label = label;
    this.path = path;
    this.marker = marker.getBytes(StandardCharsets.US_ASCII);
    this.webSocket = webSocket;
    this.sockJs = sockJs;
  }

  /** The subscribe message (WebSocket and, for the gateway, SockJS). */
  String subscribe(String channel) {
    throw new UnsupportedOperationException(label + " has no subscribe message");
  }

  /** Whether a frame is the subscription receipt (WebSocket targets). */
  boolean isSubscribed(Buffer frame) {
    throw new UnsupportedOperationException(label + " has no WebSocket receipt");
  }

  /** The message a publisher sends so that every subscriber receives {@code body}. */
  abstract String publish(String channel, String body);

  /**
   * SockJS: whether the server itself acknowledges a new session with {@code {"type":"ack"}}
   * (the broadcast peers: every session is a subscriber); otherwise a subscriber sends
   * {@link #subscribe} over {@code xhr_send} and waits for the gateway's ack.
   */
  boolean sockJsAcksSessions() {
    return this != GATEWAY;
  }

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
    throw new IllegalArgumentException("unknown target '" + label
        + "' (gateway, ws, socketio, sockjs-node, vertx-web)");
  }

  /**
   * What the SockJS peers are sent to broadcast: the very JSON text the gateway delivers for a
   * publish of {@code body} on {@code channel} (its bridge {@code rec} envelope), so a delivery
   * carries the same bytes from every SockJS target. The peers broadcast raw messages; the
   * gateway parses the publish, checks permissions and encodes this envelope itself.
   */
  static final class PeerFraming {

    private PeerFraming() {
    }

    static String delivery(String channel, String body) {
      return "{\"type\":\"rec\",\"address\":\"" + channel + "\",\"body\":" + body + "}";
    }
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
