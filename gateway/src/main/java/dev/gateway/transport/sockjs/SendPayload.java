package dev.gateway.transport.sockjs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * What a client sends: a JSON array of strings, one string per message ({@code xhr_send},
 * {@code jsonp_send}, SockJS WebSocket frames). The errors are SockJS's own texts.
 */
final class SendPayload {

  static final String EXPECTED = "Payload expected.";
  static final String BROKEN = "Broken JSON encoding.";

  private SendPayload() {
  }

  /**
   * Hands each message of the payload to {@code messages}; answers null, or the error (and
   * then no message was handed over).
   */
  static String deliver(String payload, Consumer<String> messages) {
    if (payload == null || payload.isEmpty()) {
      return EXPECTED;
    }
    JsonArray array;
    try {
      array = new JsonArray(payload);
    } catch (DecodeException | ClassCastException e) {
      return BROKEN;
    }
    for (Object o : array) {
      if (!(o instanceof String)) {
        return BROKEN;
      }
    }
    for (Object o : array) {
      messages.accept((String) o);
    }
    return null;
  }

  /**
   * A SockJS WebSocket frame: a JSON array of strings, or one JSON string. Empty frames carry
   * nothing. Answers false when the frame is not valid (the connection is then closed).
   */
  static boolean deliverFrame(String frame, Consumer<String> messages) {
    if (frame.isEmpty()) {
      return true;
    }
    if (frame.charAt(0) == '"') {
      try {
        Object one = io.vertx.core.json.Json.decodeValue(frame);
        if (one instanceof String s) {
          messages.accept(s);
          return true;
        }
      } catch (DecodeException e) {
        return false;
      }
      return false;
    }
    return deliver(frame, messages) == null;
  }

  /**
   * The payload of a {@code jsonp_send} body: the form field {@code d}
   * ({@code application/x-www-form-urlencoded}), or the body itself otherwise.
   */
  static String fromForm(Buffer body, String contentType) {
    String text = body.toString(StandardCharsets.UTF_8);
    if (contentType == null || !contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      return text;
    }
    for (String pair : text.split("&")) {
      if (pair.startsWith("d=")) {
        try {
          return URLDecoder.decode(pair.substring(2), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return "";
        }
      }
    }
    return "";
  }
}
