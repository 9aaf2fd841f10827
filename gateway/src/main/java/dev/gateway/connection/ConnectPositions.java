package dev.gateway.connection;

import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.protocol.ErrorCode;
import dev.gateway.protocol.ProtocolCodec;
import dev.gateway.protocol.ProtocolException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The positions a reconnecting client holds on channels the gateway subscribes it to itself (the
 * token's {@code channels} claim, the users API), given when it connects:
 * {@code {"chat.x":{"offset":"41","epoch":"9f86d081884c7d65"}, ...}}, offsets as decimal strings
 * as in {@code gateway.since}. On {@code /ws} in the {@code positions} query parameter; on any
 * connection in the {@code gateway.positions} header of the message that carries its first token
 * (SockJS authenticates that way). A server-side subscription to a channel named here recovers
 * from that position exactly as a register with {@code gateway.since} does. Everything is checked
 * at once: at most {@code limits.maxChannelsPerConnection} channels, names within
 * {@code limits.maxAddressLength}, each position as a register's.
 */
public final class ConnectPositions {

  /** The {@code /ws} query parameter that carries them (URL-encoded JSON). */
  public static final String QUERY_PARAMETER = "positions";
  /** Characters a position may take in the JSON text, beyond its channel's name. */
  private static final int PER_ENTRY = 64 + ProtocolCodec.MAX_KEY_LENGTH;

  private ConnectPositions() {
  }

  /** The positions of a query parameter's JSON text; refused whole when anything is wrong. */
  public static Map<String, StreamPosition> parse(String text, int maxChannels,
                                                  int maxAddressLength) throws ProtocolException {
    if (text.length() > 2 + (long) maxChannels * (maxAddressLength + PER_ENTRY)) {
      throw invalid("more than " + maxChannels + " positions, or too long");
    }
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw invalid("must be a JSON object");
    }
    return parse(json, maxChannels, maxAddressLength);
  }

  /** The positions of a header's value (a JSON object); refused whole when anything is wrong. */
  public static Map<String, StreamPosition> parse(Object value, int maxChannels,
                                                  int maxAddressLength) throws ProtocolException {
    if (!(value instanceof JsonObject json)) {
      throw invalid("must be an object of channel to {\"offset\",\"epoch\"}");
    }
    if (json.size() > maxChannels) {
      throw invalid("at most " + maxChannels + " channels (limits.maxChannelsPerConnection)");
    }
    Map<String, StreamPosition> positions = new LinkedHashMap<>(json.size() * 2);
    for (Map.Entry<String, Object> e : json) {
      String channel = e.getKey();
      if (channel.isEmpty() || channel.length() > maxAddressLength) {
        throw invalid("a channel name must be 1 to " + maxAddressLength + " characters");
      }
      if (!(e.getValue() instanceof JsonObject p) || p.size() != 2
          || !(p.getValue("offset") instanceof String offset)
          || !(p.getValue("epoch") instanceof String epoch)) {
        throw invalid("'" + channel + "' must be {\"offset\":\"N\",\"epoch\":\"E\"} (strings)");
      }
      positions.put(channel, position(channel, offset, epoch));
    }
    return Collections.unmodifiableMap(positions);
  }

  private static StreamPosition position(String channel, String offset, String epoch)
      throws ProtocolException {
    if (!offset.matches("[0-9]{1,19}")) {
      throw invalid("the offset of '" + channel + "' must be a decimal string");
    }
    long n;
    try {
      n = Long.parseLong(offset);
    } catch (NumberFormatException e) {
      throw invalid("the offset of '" + channel + "' is out of range");
    }
    // as on a register: an empty epoch names the stream before its first publication
    if ((epoch.isEmpty() && n != 0) || epoch.length() > ProtocolCodec.MAX_KEY_LENGTH) {
      throw invalid("the epoch of '" + channel + "' must be 1 to " + ProtocolCodec.MAX_KEY_LENGTH
          + " characters (empty only with offset 0)");
    }
    return new StreamPosition(n, epoch);
  }

  private static ProtocolException invalid(String why) {
    return new ProtocolException(ErrorCode.INVALID_POSITION,
        ProtocolCodec.POSITIONS_HEADER + ": " + why);
  }
}
