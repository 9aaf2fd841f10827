package dev.gateway.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that builds and parses what goes over the wire: the gateway's event-bus bridge
 * JSON (register with ack, publish, send, ping), the bodies the simulations publish, and SockJS
 * framing (xhr_send arrays, {@code o}/{@code h}/{@code a[...]}/{@code c[...]} frames).
 *
 * <p>A published body is {@code {"p":PUBLISHER,"s":SEQ,"t":EPOCH_MS,"x":PADDING}}: the subscriber
 * checks the publisher and the sequence (nothing lost, duplicated or reordered) and the latency
 * from {@code t}. A flush body ({@code {"f":1,...}}) only pushes SockJS streams to their end.
 */
public final class Frames {

  public static final String SUBPROTOCOL = "v1.eventbus.gateway";
  static final ObjectMapper JSON = new ObjectMapper();

  private Frames() {
  }

  public static String register(String address, String ack) {
    return encode(obj("register").put("address", address).put("ack", ack));
  }

  public static String unregister(String address, String ack) {
    return encode(obj("unregister").put("address", address).put("ack", ack));
  }

  public static String publish(String address, ObjectNode body) {
    ObjectNode m = obj("publish").put("address", address);
    m.set("body", body);
    return encode(m);
  }

  /** A request to a service (the demo {@code echo}) whose reply comes back to {@code replyAddress}. */
  public static String send(String address, ObjectNode body, String replyAddress) {
    ObjectNode m = obj("send").put("address", address).put("replyAddress", replyAddress);
    m.set("body", body);
    return encode(m);
  }

  public static String ping() {
    return "{\"type\":\"ping\"}";
  }

  /** Body of the HTTP publish API. */
  public static String apiPublish(String address, ObjectNode body) {
    ObjectNode m = JSON.createObjectNode().put("address", address);
    m.set("body", body);
    return encode(m);
  }

  /** A numbered message of one publisher, stamped with the current time. */
  public static ObjectNode message(String publisher, long seq, String padding) {
    return JSON.createObjectNode().put("p", publisher).put("s", seq)
        .put("t", System.currentTimeMillis()).put("x", padding);
  }

  /** Padding that only makes SockJS streams reach their byte limit; subscribers skip it. */
  public static ObjectNode flush(String padding) {
    return JSON.createObjectNode().put("f", 1).put("t", System.currentTimeMillis()).put("x", padding);
  }

  public static String padding(int chars) {
    return "x".repeat(Math.max(0, chars));
  }

  /** xhr_send body: a JSON array holding each message as a string. */
  public static String sockJsSend(String... messages) {
    ArrayNode a = JSON.createArrayNode();
    for (String m : messages) {
      a.add(m);
    }
    return encode(a);
  }

  /**
   * Splits a SockJS response (one poll, or a whole xhr-streaming response) into its frames,
   * dropping the streaming prelude and heartbeats: {@code o}, {@code a[...]}, {@code c[...]}.
   */
  public static List<String> sockJsFrames(String response) {
    List<String> frames = new ArrayList<>();
    for (String line : response.split("\n")) {
      if (line.isEmpty() || line.charAt(0) == 'h') {
        continue;
      }
      frames.add(line);
    }
    return frames;
  }

  /** The messages of an {@code a[...]} frame (each a protocol JSON string). */
  public static List<String> sockJsMessages(String frame) {
    List<String> out = new ArrayList<>();
    JsonNode array = parse(frame.substring(1));
    if (array != null && array.isArray()) {
      array.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  /** Parsed JSON, or null when the text is not JSON. */
  public static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static ObjectNode obj(String type) {
    return JSON.createObjectNode().put("type", type);
  }

  static String encode(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
