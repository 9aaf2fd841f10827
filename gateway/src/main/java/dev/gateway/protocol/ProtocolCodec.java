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
  /** On {@code rec} of a history channel: the publication's offset (a decimal string). */
  public static final String OFFSET_HEADER = INTERNAL_HEADER_PREFIX + "offset";
  /** On {@code rec} of a history channel, and from clients on {@code register}: the epoch. */
  public static final String EPOCH_HEADER = INTERNAL_HEADER_PREFIX + "epoch";
  /** From clients on {@code register}: the offset of the last publication they have. */
  public static final String SINCE_HEADER = INTERNAL_HEADER_PREFIX + "since";
  /** From clients on {@code publish}: a key that makes a repeat within the TTL harmless. */
  public static final String IDEMPOTENCY_HEADER = INTERNAL_HEADER_PREFIX + "idempotencyKey";
  /** From clients on {@code register}: "true" asks for the channel's join and leave events. */
  public static final String JOIN_LEAVE_HEADER = INTERNAL_HEADER_PREFIX + "joinLeave";
  /** On the {@code rec} of a presence event: {@code join}, {@code leave} or {@code counts}. */
  public static final String EVENT_HEADER = INTERNAL_HEADER_PREFIX + "event";
  /** Most members a presence page may ask for. */
  public static final int MAX_PRESENCE_LIMIT = 1000;
  /** Longest presence cursor accepted. */
  public static final int MAX_CURSOR_LENGTH = 64;
  /** Longest idempotency key and epoch accepted from clients. */
  public static final int MAX_KEY_LENGTH = 128;
  /** Most publications a history request may ask for. */
  public static final int MAX_HISTORY_LIMIT = 1000;

  private final int maxAddressLength;

  public ProtocolCodec(int maxAddressLength) {
    this.maxAddressLength = maxAddressLength;
  }

  /** Header a client may put its token in (SockJS: the first message authenticates). */
  public static final String TOKEN_HEADER = "token";

  /** Header of the first authenticating message carrying a reconnecting client's positions. */
  public static final String POSITIONS_HEADER = INTERNAL_HEADER_PREFIX + "positions";

  /**
   * A decoded client message, the token its headers carried and the value of its
   * {@link #POSITIONS_HEADER} (unchecked: the connection's limits decide), each null if absent.
   */
  public record Envelope(ClientMessage message, String token, Object positions) {
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
    try {
      return envelope(json);
    } catch (ProtocolException e) {
      throw e.withAck(json.getValue("ack") instanceof String id ? id : null);
    }
  }

  /** The longest ack id an {@code err} echoes (a longer one is not echoed). */
  static final int MAX_ECHOED_ACK = 256;

  private Envelope envelope(JsonObject json) throws ProtocolException {
    String token = null;
    Object positions = null;
    if (json.getValue("headers") instanceof JsonObject h) {
      JsonObject copy = null;
      for (String name : h.fieldNames()) {
        if (name.equalsIgnoreCase(POSITIONS_HEADER)) {
          positions = h.getValue(name);
          if (copy == null) {
            copy = h.copy();
          }
          copy.remove(name);
        } else if (name.equalsIgnoreCase(TOKEN_HEADER)) {
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
    return new Envelope(decode(json), token, positions);
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
      case "register" -> register(json);
      case "unregister" -> new ClientMessage.Unregister(address(json), optionalString(json, "ack"));
      case "publish" -> publish(json);
      case "history" -> new ClientMessage.History(address(json), limit(json, MAX_HISTORY_LIMIT),
          optionalString(json, "ack"));
      case "presence" -> new ClientMessage.Presence(address(json), limit(json, MAX_PRESENCE_LIMIT),
          cursor(json), optionalString(json, "ack"));
      case "presence_stats" -> new ClientMessage.PresenceStats(address(json), optionalString(json, "ack"));
      case "send" -> new ClientMessage.Send(address(json), json.getValue("body"), headers(json),
          replyAddress(json));
      default -> throw new ProtocolException(ErrorCode.INVALID_TYPE, "unknown type '" + abbreviate(t) + "'");
    };
  }

  /** A register, with a position when its headers carry {@code gateway.since} and {@code gateway.epoch}. */
  private ClientMessage.Register register(JsonObject json) throws ProtocolException {
    String address = address(json);
    String ack = optionalString(json, "ack");
    String since = null;
    String epoch = null;
    boolean joinLeave = false;
    Object h = json.getValue("headers");
    if (h != null && !(h instanceof JsonObject)) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "headers must be an object");
    }
    if (h instanceof JsonObject headers) {
      for (Map.Entry<String, Object> e : headers) {
        String name = e.getKey();
        if (name.equalsIgnoreCase(SINCE_HEADER)) {
          since = positionPart(e.getValue(), "gateway.since");
        } else if (name.equalsIgnoreCase(EPOCH_HEADER)) {
          epoch = positionPart(e.getValue(), "gateway.epoch");
        } else if (name.equalsIgnoreCase(JOIN_LEAVE_HEADER)) {
          if (!"true".equals(e.getValue()) && !"false".equals(e.getValue())) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                "gateway.joinLeave must be the string \"true\" or \"false\"");
          }
          joinLeave = "true".equals(e.getValue());
        } else if (isInternalHeader(name)) {
          throw reserved(name);
        }
      }
    }
    if ((since == null) != (epoch == null)) {
      throw new ProtocolException(ErrorCode.INVALID_POSITION,
          "a position needs both gateway.since and gateway.epoch");
    }
    if (since == null) {
      return new ClientMessage.Register(address, ack, null, null, joinLeave);
    }
    if (!since.matches("[0-9]{1,19}")) {
      throw new ProtocolException(ErrorCode.INVALID_POSITION, "gateway.since must be a decimal offset");
    }
    long offset;
    try {
      offset = Long.parseLong(since);
    } catch (NumberFormatException e) {
      throw new ProtocolException(ErrorCode.INVALID_POSITION, "gateway.since is out of range");
    }
    // an empty epoch names the stream before its first publication: only at offset 0
    if ((epoch.isEmpty() && offset != 0) || epoch.length() > MAX_KEY_LENGTH) {
      throw new ProtocolException(ErrorCode.INVALID_POSITION, "gateway.epoch must be 1 to "
          + MAX_KEY_LENGTH + " characters (empty only with gateway.since 0)");
    }
    return new ClientMessage.Register(address, ack, offset, epoch, joinLeave);
  }

  private static String positionPart(Object v, String name) throws ProtocolException {
    if (!(v instanceof String s)) {
      throw new ProtocolException(ErrorCode.INVALID_POSITION, name + " must be a string");
    }
    return s;
  }

  /** A publish: {@code gateway.idempotencyKey} is the one reserved header a client may send. */
  private ClientMessage.Publish publish(JsonObject json) throws ProtocolException {
    String address = address(json);
    String ack = optionalString(json, "ack");
    Object h = json.getValue("headers");
    String key = null;
    if (h instanceof JsonObject headers) {
      JsonObject copy = null;
      for (String name : headers.fieldNames()) {
        if (name.equalsIgnoreCase(IDEMPOTENCY_HEADER)) {
          if (!(headers.getValue(name) instanceof String k) || k.isEmpty() || k.length() > MAX_KEY_LENGTH) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "gateway.idempotencyKey must be a"
                + " string of 1 to " + MAX_KEY_LENGTH + " characters");
          }
          key = k;
          if (copy == null) {
            copy = headers.copy();
          }
          copy.remove(name);
        }
      }
      if (copy != null) {
        json.put("headers", copy);
      }
    }
    return new ClientMessage.Publish(address, json.getValue("body"), headers(json), ack, key);
  }

  /** An optional {@code limit} from 1 to {@code max}; {@code max} when absent. */
  private static int limit(JsonObject json, int max) throws ProtocolException {
    Object v = json.getValue("limit");
    if (v == null) {
      return max;
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 1
        || ((Number) v).longValue() > max) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "limit must be an integer from 1 to "
          + max);
    }
    return ((Number) v).intValue();
  }

  /** An optional presence cursor: a string of 1 to {@link #MAX_CURSOR_LENGTH} characters. */
  private static String cursor(JsonObject json) throws ProtocolException {
    Object v = json.getValue("cursor");
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s) || s.isEmpty() || s.length() > MAX_CURSOR_LENGTH) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "cursor must be a string of 1 to "
          + MAX_CURSOR_LENGTH + " characters, as a presence answer gave it");
    }
    return s;
  }

  private static ProtocolException reserved(String name) {
    return new ProtocolException(ErrorCode.INVALID_FIELD, "header '" + abbreviate(name)
        + "' is reserved: clients may send gateway.since, gateway.epoch and gateway.joinLeave"
        + " (register) and gateway.idempotencyKey (publish) only");
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
        throw reserved(e.getKey());
      }
      if (e.getValue() instanceof JsonObject || e.getValue() instanceof io.vertx.core.json.JsonArray) {
        throw new ProtocolException(ErrorCode.INVALID_FIELD, "header values must be scalars");
      }
    }
    return headers;
  }

  /** The reserved headers clients see on {@code rec}: a history channel's stream position. */
  static boolean isPositionHeader(String name) {
    return name.equalsIgnoreCase(OFFSET_HEADER) || name.equalsIgnoreCase(EPOCH_HEADER);
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
    return err(code, message, null);
  }

  /**
   * {@code {"type":"err","ack":ID,"body":CODE,"message":M}}: the refusal of a message that had an
   * ack id (register, unregister, publish, history), so the client can tell which one failed;
   * an id over {@link #MAX_ECHOED_ACK} characters is not echoed.
   */
  public static byte[] err(ErrorCode code, String message, String ack) {
    JsonObject err = new JsonObject().put("type", "err");
    if (ack != null && ack.length() <= MAX_ECHOED_ACK) {
      err.put("ack", ack);
    }
    return utf8(err.put("body", code.wire()).put("message", message));
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

  /**
   * The ack of a register that asked for join and leave events, on a channel without history:
   * {@code {"type":"ack","ack":ID,"address":A,"presence":MODE}} ({@code members}, {@code counts}
   * or {@code off}).
   */
  public static byte[] presenceAck(String id, String address, String presence) {
    return utf8(new JsonObject().put("type", "ack").put("ack", id).put("address", address)
        .put("presence", presence));
  }

  /**
   * The ack of a register on a history channel, or of one that carried a position:
   * {@code {"type":"ack","ack":ID,"address":A,"recovered":..,"offset":"N","epoch":E}} (no
   * {@code ack} field when the client gave no id; no position for a channel without history,
   * with {@code "reason":"no_history"}).
   */
  public static byte[] registerAck(String id, String address, boolean recovered, Long offset,
                                   String epoch, String reason) {
    return registerAck(id, address, recovered, offset, epoch, reason, null);
  }

  /** As above, with the register's presence mode when it asked for join and leave events. */
  public static byte[] registerAck(String id, String address, boolean recovered, Long offset,
                                   String epoch, String reason, String presence) {
    JsonObject ack = new JsonObject().put("type", "ack");
    if (id != null) {
      ack.put("ack", id);
    }
    ack.put("address", address).put("recovered", recovered);
    if (offset != null) {
      ack.put("offset", Long.toString(offset)).put("epoch", epoch);
    }
    if (reason != null) {
      ack.put("reason", reason);
    }
    if (presence != null) {
      ack.put("presence", presence);
    }
    return utf8(ack);
  }

  /**
   * {@code {"type":"subscribed","channel":A}}: the gateway subscribed the connection to a channel
   * itself (server API, token claim); on a history channel with the position the connection is
   * at ({@code "offset":"N","epoch":E}), as a register ack carries it. No {@code address} field:
   * the official client hands every message with an address to that address's handlers.
   */
  public static byte[] subscribed(String channel, Long offset, String epoch) {
    return utf8(subscribedMessage(channel, offset, epoch));
  }

  /**
   * As above, for a subscription that recovered from the position the client gave as it
   * connected: {@code "recovered":true|false}, and on false the reason when there is one
   * ({@code no_history}).
   */
  public static byte[] subscribed(String channel, boolean recovered, Long offset, String epoch,
                                  String reason) {
    JsonObject m = subscribedMessage(channel, offset, epoch).put("recovered", recovered);
    if (reason != null) {
      m.put("reason", reason);
    }
    return utf8(m);
  }

  private static JsonObject subscribedMessage(String channel, Long offset, String epoch) {
    JsonObject m = new JsonObject().put("type", "subscribed").put("channel", channel);
    if (offset != null) {
      m.put("offset", Long.toString(offset)).put("epoch", epoch);
    }
    return m;
  }

  /** {@code {"type":"unsubscribed","channel":A}}: the gateway ended a subscription itself. */
  public static byte[] unsubscribed(String channel) {
    return utf8(new JsonObject().put("type", "unsubscribed").put("channel", channel));
  }

  /** The ack of a publish: with the position on a history channel. */
  public static byte[] publishAck(String id, Long offset, String epoch) {
    JsonObject ack = new JsonObject().put("type", "ack").put("ack", id);
    if (offset != null) {
      ack.put("offset", Long.toString(offset)).put("epoch", epoch);
    }
    return utf8(ack);
  }

  /**
   * A {@code rec} of a publication read from history: the stored client-visible headers (JSON
   * object text, or null) and body (JSON text), with its position. Built from the stored bytes:
   * nothing is decoded.
   */
  public static byte[] recStored(String address, byte[] headers, byte[] body, long offset,
                                 String epoch) {
    StringBuilder b = new StringBuilder(64 + address.length() + body.length
        + (headers == null ? 0 : headers.length));
    b.append("{\"type\":\"rec\",\"address\":").append(io.vertx.core.json.Json.encode(address))
        .append(",\"headers\":{");
    if (headers != null && headers.length > 2) {
      b.append(new String(headers, 1, headers.length - 2, StandardCharsets.UTF_8)).append(',');
    }
    b.append("\"").append(OFFSET_HEADER).append("\":\"").append(offset).append("\",\"")
        .append(EPOCH_HEADER).append("\":").append(io.vertx.core.json.Json.encode(epoch))
        .append("},\"body\":").append(new String(body, StandardCharsets.UTF_8)).append('}');
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The client-visible headers of a publication as a JSON object's text, or null without any. */
  public static byte[] storedHeaders(MultiMap headers) {
    JsonObject h = clientHeaders(headers);
    return h == null ? null : utf8(h);
  }

  static JsonObject clientHeaders(MultiMap headers) {
    if (headers == null || headers.isEmpty()) {
      return null;
    }
    JsonObject h = null;
    for (Map.Entry<String, String> e : headers) {
      if (isInternalHeader(e.getKey()) && !isPositionHeader(e.getKey())) {
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
