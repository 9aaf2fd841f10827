package dev.gateway.transport.sse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code id:} of an SSE event, which an EventSource sends back as {@code Last-Event-ID} when
 * it reconnects: every history channel's stream position (channel, epoch, offset) the client is
 * at, and whether the stream ended for good (a terminal close: the reconnect is answered 204).
 * Opaque to clients; base64url (no padding) of a small binary form:
 *
 * <pre>
 *   version (1 byte, 1) | flags (1 byte, bit 0: terminal)
 *   then per channel: varint length + UTF-8 name | epoch | varint offset
 *   epoch: varint 0 = empty; 1 = 8 bytes (16 lowercase hex digits, the gateway's own epochs);
 *          n >= 2 = n - 2 UTF-8 bytes (any other epoch, at most 128 characters)
 * </pre>
 *
 * Immutable. {@link #decode} refuses anything malformed or over the size bound as a whole.
 */
public final class SseCursor {

  static final int VERSION = 1;
  private static final int TERMINAL = 1;
  private static final int MAX_EPOCH = 128;

  /** A channel's position: the offset of the last publication the client has, in {@code epoch}. */
  public record Position(String epoch, long offset) {
  }

  /** Thrown by {@link #decode}: the cursor is malformed or too long. */
  public static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private final Map<String, Position> positions;
  private final boolean terminal;

  public SseCursor(Map<String, Position> positions, boolean terminal) {
    this.positions = Collections.unmodifiableMap(new LinkedHashMap<>(positions));
    this.terminal = terminal;
  }

  /** Channel to position, in the order they were written. */
  public Map<String, Position> positions() {
    return positions;
  }

  /** The stream ended with a terminal close: a reconnect carrying this cursor gets 204. */
  public boolean terminal() {
    return terminal;
  }

  /** The cursor as it goes in {@code id:}: base64url without padding. */
  public String encode() {
    return encode(positions, terminal);
  }

  /** Encodes positions without building a cursor (once per event written). */
  static String encode(Map<String, Position> positions, boolean terminal) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(2 + positions.size() * 32);
    out.write(VERSION);
    out.write(terminal ? TERMINAL : 0);
    for (Map.Entry<String, Position> e : positions.entrySet()) {
      bytes(out, e.getKey().getBytes(StandardCharsets.UTF_8), 0);
      String epoch = e.getValue().epoch();
      if (epoch.isEmpty()) {
        varint(out, 0);
      } else if (isHex16(epoch)) {
        varint(out, 1);
        for (int i = 0; i < 16; i += 2) {
          out.write(Integer.parseInt(epoch, i, i + 2, 16));
        }
      } else {
        bytes(out, epoch.getBytes(StandardCharsets.UTF_8), 2);
      }
      varint(out, e.getValue().offset());
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /**
   * The longest encoded cursor the given channel names can produce with the gateway's own epochs
   * (16 hex digits) and any offset: checked before a stream opens, so every {@code id:} it writes
   * stays within the bound its reconnect is held to.
   */
  static int worstCaseLength(Iterable<String> channels) {
    int raw = 2;
    for (String c : channels) {
      int name = c.getBytes(StandardCharsets.UTF_8).length;
      raw += varintLength(name) + name + 1 + 8 + 9;
    }
    return (raw * 4 + 2) / 3;
  }

  /** Parses a cursor of at most {@code maxLength} characters. */
  public static SseCursor decode(String text, int maxLength) throws Invalid {
    if (text.length() > maxLength) {
      throw new Invalid("cursor longer than " + maxLength + " characters");
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new Invalid("cursor is not base64url");
    }
    Reader in = new Reader(raw);
    if (in.u8() != VERSION) {
      throw new Invalid("unknown cursor version");
    }
    int flags = in.u8();
    if ((flags & ~TERMINAL) != 0) {
      throw new Invalid("unknown cursor flags");
    }
    Map<String, Position> positions = new LinkedHashMap<>();
    while (in.more()) {
      String channel = in.string(in.varint(), 0);
      long kind = in.varint();
      String epoch;
      if (kind == 0) {
        epoch = "";
      } else if (kind == 1) {
        StringBuilder hex = new StringBuilder(16);
        for (int i = 0; i < 8; i++) {
          int x = in.u8();
          hex.append(Character.forDigit(x >> 4, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        epoch = hex.toString();
      } else {
        epoch = in.string(kind - 2, MAX_EPOCH);
      }
      long offset = in.varint();
      if (channel.isEmpty() || (epoch.isEmpty() && offset != 0)
          || positions.put(channel, new Position(epoch, offset)) != null) {
        throw new Invalid("malformed cursor entry");
      }
    }
    return new SseCursor(positions, (flags & TERMINAL) != 0);
  }

  private static boolean isHex16(String s) {
    if (s.length() != 16) {
      return false;
    }
    for (int i = 0; i < 16; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static void bytes(ByteArrayOutputStream out, byte[] b, int bias) {
    varint(out, b.length + bias);
    out.writeBytes(b);
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static int varintLength(long v) {
    int n = 1;
    while ((v >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  /** Reads the binary form; every overrun or oddity is {@link Invalid}. */
  private static final class Reader {
    private final byte[] b;
    private int at;

    Reader(byte[] b) {
      this.b = b;
    }

    boolean more() {
      return at < b.length;
    }

    int u8() throws Invalid {
      if (at >= b.length) {
        throw new Invalid("cursor truncated");
      }
      return b[at++] & 0xFF;
    }

    long varint() throws Invalid {
      long v = 0;
      for (int shift = 0; shift < 63; shift += 7) {
        int x = u8();
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          if (v < 0) {
            throw new Invalid("cursor number out of range");
          }
          return v;
        }
      }
      throw new Invalid("cursor number out of range");
    }

    String string(long length, int maxChars) throws Invalid {
      if (length < 0 || length > b.length - at) {
        throw new Invalid("cursor truncated");
      }
      String s = new String(b, at, (int) length, StandardCharsets.UTF_8);
      at += (int) length;
      if (s.indexOf('\uFFFD') >= 0 || (maxChars > 0 && s.length() > maxChars)) {
        throw new Invalid("malformed cursor string");
      }
      return s;
    }
  }
}
