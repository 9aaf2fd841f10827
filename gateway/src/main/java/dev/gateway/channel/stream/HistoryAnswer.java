package dev.gateway.channel.stream;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The answer to a history request, the same for clients ({@code {"type":"history",...}}) and the
 * HTTP API: the channel's position and its newest publications, oldest first, built from the
 * stored bytes (offsets as decimal strings).
 */
public final class HistoryAnswer {

  private HistoryAnswer() {
  }

  /** {@code {"type":"history","ack":ID,"address":A,"epoch":E,"offset":"O","messages":[...]}} as UTF-8. */
  public static byte[] message(String ack, String address, ChannelStream.Slice slice) {
    return build(true, ack, address, slice).getBytes(StandardCharsets.UTF_8);
  }

  /** The same without {@code type} and {@code ack}, as the HTTP API answers it. */
  public static JsonObject json(String address, ChannelStream.Slice slice) {
    return new JsonObject(build(false, null, address, slice));
  }

  private static String build(boolean typed, String ack, String address, ChannelStream.Slice slice) {
    StringBuilder b = new StringBuilder("{");
    if (typed) {
      b.append("\"type\":\"history\",");
      if (ack != null) {
        b.append("\"ack\":").append(Json.encode(ack)).append(',');
      }
    }
    StreamPosition p = slice == null ? new StreamPosition(0, "") : slice.position();
    b.append("\"address\":").append(Json.encode(address))
        .append(",\"epoch\":").append(Json.encode(p.epoch()))
        .append(",\"offset\":\"").append(p.offset()).append("\",\"messages\":[");
    if (slice != null) {
      boolean first = true;
      for (ChannelStream.Item item : slice.items()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        b.append("{\"offset\":\"").append(item.offset()).append("\",\"headers\":")
            .append(item.headers() == null ? "{}" : new String(item.headers(), StandardCharsets.UTF_8))
            .append(",\"body\":").append(new String(item.body(), StandardCharsets.UTF_8)).append('}');
      }
    }
    return b.append("]}").toString();
  }
}
