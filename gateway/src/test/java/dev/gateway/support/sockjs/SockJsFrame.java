package dev.gateway.support.sockjs;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;

/**
 * One SockJS 0.3.3 frame as the server sends it: {@code o} (open), {@code h} (heartbeat),
 * {@code a[...]} (a JSON array of messages, each a bridge message as a string) or
 * {@code c[code,"reason"]} (close). The one parser of frames every session here uses.
 */
public record SockJsFrame(Kind kind, List<String> messages, JsonArray close) {

  public enum Kind { OPEN, HEARTBEAT, ARRAY, CLOSE }

  /** The frame, or an {@link IllegalStateException} naming what is not a SockJS frame. */
  public static SockJsFrame parse(String frame) {
    if (frame.equals("o")) {
      return new SockJsFrame(Kind.OPEN, List.of(), null);
    }
    if (frame.equals("h")) {
      return new SockJsFrame(Kind.HEARTBEAT, List.of(), null);
    }
    try {
      if (frame.startsWith("a")) {
        List<String> messages = new ArrayList<>();
        for (Object m : new JsonArray(frame.substring(1))) {
          messages.add((String) m);
        }
        return new SockJsFrame(Kind.ARRAY, messages, null);
      }
      if (frame.startsWith("c")) {
        return new SockJsFrame(Kind.CLOSE, List.of(), new JsonArray(frame.substring(1)));
      }
    } catch (RuntimeException e) {
      throw new IllegalStateException("not a SockJS frame: " + frame, e);
    }
    throw new IllegalStateException("not a SockJS frame: " + frame);
  }
}
