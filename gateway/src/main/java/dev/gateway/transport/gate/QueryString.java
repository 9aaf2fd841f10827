package dev.gateway.transport.gate;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's query string, parsed strictly: {@code name=value} pairs joined by {@code &},
 * percent-encoding ({@code +} for space) that must decode to valid UTF-8. A malformed query is
 * refused as a whole ({@link #parse} answers null), so no handler ever sees half of it, and
 * nothing throws. {@link #get} answers a name's first value; {@link #all} every value of a
 * repeated name ({@code ?channel=a&channel=b}), in order.
 */
public final class QueryString {

  /** The longest query the gateway reads (longer ones are refused). */
  public static final int MAX_LENGTH = 8192;

  private static final QueryString EMPTY = new QueryString(Map.of());

  private final Map<String, List<String>> values;

  private QueryString(Map<String, List<String>> values) {
    this.values = values;
  }

  /** The parsed query, or null when it is malformed or too long. A null query is empty. */
  public static QueryString parse(String raw) {
    if (raw == null || raw.isEmpty()) {
      return EMPTY;
    }
    if (raw.length() > MAX_LENGTH) {
      return null;
    }
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = decode(eq < 0 ? "" : pair.substring(eq + 1));
      if (name == null || value == null) {
        return null;
      }
      values.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
    }
    return new QueryString(values);
  }

  /** The first value of the parameter, or null. */
  public String get(String name) {
    List<String> all = values.get(name);
    return all == null ? null : all.get(0);
  }

  /** Every value of the parameter, in the order given (empty when absent). */
  public List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  private static String decode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          return null;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out.write((hi << 4) | lo);
        i += 2;
      } else if (c == '+') {
        out.write(' ');
      } else if (c <= 0xFF) {
        out.write(c); // the request line's raw bytes (Netty reads them as ISO-8859-1)
      } else {
        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
