package dev.gateway.protocol;

import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The one codec of the Vert.x event-bus bridge JSON protocol, shared by every transport.
 * Decoding validates everything the dispatcher relies on; encoding produces UTF-8 bytes once per
 * message so a broadcast is serialised once per node, not once per socket.
 */
public final class ProtocolCodec {

  /** Headers whose names start with this prefix are the gateway's own and never reach clients. */
  public static final String INTERNAL_HEADER_PREFIX = "gateway.";
  /** Header carrying the publish time (epoch microseconds) used by the latency histogram. */
  public static final String PUBLISHED_AT_HEADER = INTERNAL_HEADER_PREFIX + "publishedAt";

  private final int maxAddressLength;

  public ProtocolCodec(int maxAddressLength) {
    this.maxAddressLength = maxAddressLength;
  }

  /** Header a client may put its token in (SockJS: the first message authenticates). */
  public static final String TOKEN_HEADER = "token";

  /** A decoded client message and the token its headers carried, if any. */
  public record Envelope(ClientMessage message, String token) {
  }

  /** Decodes one client frame. */
  public ClientMessage decode(String text) throws ProtocolException {
    return decodeEnvelope(text).message();
  }

  /**
   * Decodes one client frame and takes the {@code token} header out of it: a token is never
   * forwarded on the event bus or to other clients.
   */
  public Envelope decodeEnvelope(String text) throws ProtocolException {
    JsonObject json = parse(text);
    String token = null;
    if (json.getValue("headers") instanceof JsonObject h) {
      JsonObject copy = null;
      for (String name : h.fieldNames()) {
        if (name.equalsIgnoreCase(TOKEN_HEADER)) {
          if (!(h.getValue(name) instanceof String s)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "token header must be a string");
          }
          token = s;
          if (copy == null) {
            copy = h.copy();
          }
          copy.remove(name);
        }
      }
      if (copy != null) {
        json.put("headers", copy);
      }
    }
    return new Envelope(decode(json), token);
  }

  private static JsonObject parse(String text) throws ProtocolException {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException(ErrorCode.INVALID_JSON, "message is not a JSON object");
    }
    checkValues(json, 0);
    return json;
  }

  /**
   * Rejects what JSON parses but cannot carry back out unchanged: numbers beyond the double
   * range (they would become Infinity) and strings with unpaired surrogates (escaped as
   * {@code \\udc00}; they would become '?'). Depth is bounded by the parser's own limits.
   */
  /** The same checks for JSON decoded elsewhere (the HTTP publish API). */
  public static void checkJson(Object value) throws ProtocolException {
    checkValues(value, 0);
  }

  private static void checkValues(Object value, int depth) throws ProtocolException {
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        checkString(e.getKey());
        checkValues(e.getValue(), depth + 1);
      }
    } else if (value instanceof io.vertx.core.json.JsonArray a) {
      for (Object v : a) {
        checkValues(v, depth + 1);
      }
    } else if (value instanceof String s) {
      checkString(s);
    } else if (value instanceof Double d && (d.isInfinite() || d.isNaN())) {
      throw new ProtocolException(ErrorCode.INVALID_JSON, "number out of range");
    } else if (value instanceof Float f && (f.isInfinite() || f.isNaN())) {
      throw new ProtocolException(ErrorCode.INVALID_JSON, "number out of range");
    }
  }

  private static void checkString(String s) throws ProtocolException {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isHighSurrogate(ch)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new ProtocolException(ErrorCode.INVALID_JSON, "unpaired surrogate in a string");
      }
      if (Character.isLowSurrogate(ch)) {
        throw new ProtocolException(ErrorCode.INVALID_JSON, "unpaired surrogate in a string");
      }
    }
  }

  private ClientMessage decode(JsonObject json) throws ProtocolException {
    Object type = json.getValue("type");
    if (type == null) {
      throw new ProtocolException(ErrorCode.MISSING_TYPE, "message has no type");
    }
    if (!(type instanceof String t)) {
      throw new ProtocolException(ErrorCode.INVALID_TYPE, "type must be a string");
    }
    if (t.equals("ping")) {
      return new ClientMessage.Ping();
    }
    return switch (t) {
      case "register" -> new ClientMessage.Register(address(json), optionalString(json, "ack"));
      case "unregister" -> new ClientMessage.Unregister(address(json), optionalString(json, "ack"));
      case "publish" -> new ClientMessage.Publish(address(json), json.getValue("body"), headers(json));
      case "send" -> new ClientMessage.Send(address(json), json.getValue("body"), headers(json),
          replyAddress(json));
      default -> throw new ProtocolException(ErrorCode.INVALID_TYPE, "unknown type '" + abbreviate(t) + "'");
    };
  }

  private String address(JsonObject json) throws ProtocolException {
    Object a = json.getValue("address");
    if (!(a instanceof String s) || s.isEmpty()) {
      throw new ProtocolException(ErrorCode.MISSING_ADDRESS, "message has no address");
    }
    checkLength(s);
    return s;
  }

  private String replyAddress(JsonObject json) throws ProtocolException {
    String r = optionalString(json, "replyAddress");
    if (r != null) {
      checkLength(r);
    }
    return r;
  }

  private void checkLength(String address) throws ProtocolException {
    if (address.length() > maxAddressLength) {
      throw new ProtocolException(ErrorCode.ADDRESS_TOO_LONG,
          "address longer than " + maxAddressLength + " characters");
    }
  }

  private static String optionalString(JsonObject json, String field) throws ProtocolException {
    Object v = json.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, field + " must be a string");
    }
    return s;
  }

  private static JsonObject headers(JsonObject json) throws ProtocolException {
    Object h = json.getValue("headers");
    if (h == null) {
      return null;
    }
    if (!(h instanceof JsonObject headers)) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "headers must be an object");
    }
    for (Map.Entry<String, Object> e : headers) {
      if (isInternalHeader(e.getKey())) {
        throw new ProtocolException(ErrorCode.INVALID_FIELD,
            "header names starting with '" + INTERNAL_HEADER_PREFIX + "' are reserved");
      }
      if (e.getValue() instanceof JsonObject || e.getValue() instanceof io.vertx.core.json.JsonArray) {
        throw new ProtocolException(ErrorCode.INVALID_FIELD, "header values must be scalars");
      }
    }
    return headers;
  }

  /** Header names are case-insensitive on the event bus, so is the reserved prefix. */
  public static boolean isInternalHeader(String name) {
    return name.regionMatches(true, 0, INTERNAL_HEADER_PREFIX, 0, INTERNAL_HEADER_PREFIX.length());
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "...";
  }

  /** {@code {"type":"rec","address":A,"body":B,"headers":{..}}} as UTF-8. */
  public static byte[] rec(String address, Object body, MultiMap headers) {
    JsonObject env = new JsonObject().put("type", "rec").put("address", address);
    JsonObject h = clientHeaders(headers);
    if (h != null) {
      env.put("headers", h);
    }
    env.put("body", body);
    return utf8(env);
  }

  /** {@code {"type":"err","body":CODE,"message":M}}: a failure not tied to a handler. */
  public static byte[] err(ErrorCode code, String message) {
    return utf8(new JsonObject().put("type", "err").put("body", code.wire()).put("message", message));
  }

  /**
   * A failed request: addressed to the client's reply address so the bridge client's callback
   * receives {@code failureCode}, {@code failureType} and {@code message}.
   */
  public static byte[] replyFailure(String replyAddress, int failureCode, String failureType,
                                    String message, ErrorCode code) {
    JsonObject env = new JsonObject().put("type", "err").put("address", replyAddress)
        .put("failureCode", failureCode).put("failureType", failureType).put("message", message);
    if (code != null) {
      env.put("body", code.wire());
    }
    return utf8(env);
  }

  /** {@code {"type":"ack","ack":ID}}: the gateway's receipt for a register or unregister. */
  public static byte[] ack(String id) {
    return utf8(new JsonObject().put("type", "ack").put("ack", id));
  }

  static JsonObject clientHeaders(MultiMap headers) {
    if (headers == null || headers.isEmpty()) {
      return null;
    }
    JsonObject h = null;
    for (Map.Entry<String, String> e : headers) {
      if (isInternalHeader(e.getKey())) {
        continue;
      }
      if (h == null) {
        h = new JsonObject();
      }
      h.put(e.getKey(), e.getValue());
    }
    return h;
  }

  private static byte[] utf8(JsonObject json) {
    return json.encode().getBytes(StandardCharsets.UTF_8);
  }
}
