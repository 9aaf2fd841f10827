package dev.gateway.presence;

import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The presence messages clients get, as UTF-8, built from the members' JSON forms. */
final class PresenceAnswer {

  private PresenceAnswer() {
  }

  /**
   * {@code {"type":"presence","ack":ID,"address":A,"members":[..],"cursor":C}}: no {@code ack}
   * without an id, no {@code cursor} on the last page.
   */
  static byte[] page(String ack, String address, List<Member> members, String cursor) {
    int size = 64 + address.length();
    for (Member m : members) {
      size += m.size() + 1;
    }
    StringBuilder b = new StringBuilder(size).append("{\"type\":\"presence\"");
    if (ack != null) {
      b.append(",\"ack\":").append(Json.encode(ack));
    }
    b.append(",\"address\":").append(Json.encode(address)).append(",\"members\":[");
    for (int i = 0; i < members.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(members.get(i).json());
    }
    b.append(']');
    if (cursor != null) {
      b.append(",\"cursor\":").append(Json.encode(cursor));
    }
    return utf8(b.append('}'));
  }

  /** {@code {"type":"presence_stats","ack":ID,"address":A,"clients":N,"users":M}}. */
  static byte[] stats(String ack, String address, int clients, int users) {
    StringBuilder b = new StringBuilder(96 + address.length()).append("{\"type\":\"presence_stats\"");
    if (ack != null) {
      b.append(",\"ack\":").append(Json.encode(ack));
    }
    b.append(",\"address\":").append(Json.encode(address)).append(",\"clients\":").append(clients)
        .append(",\"users\":").append(users);
    return utf8(b.append('}'));
  }

  /** {@code {"type":"rec","address":A,"headers":{"gateway.event":"join"|"leave"},"body":{member}}}. */
  static byte[] event(String address, boolean join, Member m) {
    return utf8(rec(address, join ? "join" : "leave").append(m.json()).append('}'));
  }

  /** {@code {"type":"rec","address":A,"headers":{"gateway.event":"counts"},"body":{"clients":N,"users":M}}}. */
  static byte[] counts(String address, int clients, int users) {
    return utf8(rec(address, "counts").append("{\"clients\":").append(clients)
        .append(",\"users\":").append(users).append("}}"));
  }

  private static StringBuilder rec(String address, String event) {
    return new StringBuilder(128 + address.length()).append("{\"type\":\"rec\",\"address\":")
        .append(Json.encode(address)).append(",\"headers\":{\"").append(ProtocolCodec.EVENT_HEADER)
        .append("\":\"").append(event).append("\"},\"body\":");
  }

  private static byte[] utf8(StringBuilder b) {
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
