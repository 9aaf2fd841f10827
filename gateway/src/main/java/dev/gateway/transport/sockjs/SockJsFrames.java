package dev.gateway.transport.sockjs;

import dev.gateway.internal.VertxInternals;
import dev.gateway.protocol.Outbound;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SockJS framing. A message reaches a SockJS client inside an array frame {@code a["..."]},
 * where the message is a JSON string with SockJS's escapes; each transport then wraps the frame
 * its own way (a line, an event-stream event, a script tag, a WebSocket frame). For a broadcast
 * every one of these is the same bytes for every session, so each is an {@link Outbound.Encoding}:
 * built once per message and node on first use and shared, off-heap, by every response it is
 * written to. Only polling sessions that batch several messages build per-session bytes.
 */
public final class SockJsFrames {

  private SockJsFrames() {
  }

  /** The open frame. */
  public static final String OPEN = "o";
  /** The heartbeat frame. */
  public static final String HEARTBEAT = "h";

  /** The message as a SockJS-escaped JSON string literal (quotes included). */
  static final Outbound.Encoding<byte[]> QUOTED = new Outbound.Encoding<>() {
    @Override
    protected byte[] encode(Outbound message) {
      return quote(message.bytes());
    }
  };

  /** {@code a["..."]}: the array frame of one message. */
  static final Outbound.Encoding<byte[]> ARRAY = new Outbound.Encoding<>() {
    @Override
    protected byte[] encode(Outbound message) {
      byte[] q = message.encoded(QUOTED);
      byte[] out = new byte[q.length + 3];
      out[0] = 'a';
      out[1] = '[';
      System.arraycopy(q, 0, out, 2, q.length);
      out[out.length - 1] = ']';
      return out;
    }
  };

  /** The array frame of one message as each HTTP transport writes it, shared off-heap. */
  static final Outbound.Encoding<Buffer> XHR_CHUNK = chunk(Framing.XHR_STREAMING);
  static final Outbound.Encoding<Buffer> EVENTSOURCE_CHUNK = chunk(Framing.EVENTSOURCE);
  static final Outbound.Encoding<Buffer> HTMLFILE_CHUNK = chunk(Framing.HTMLFILE);

  private static Outbound.Encoding<Buffer> chunk(Framing framing) {
    return new Outbound.Encoding<>() {
      @Override
      protected Buffer encode(Outbound message) {
        return shared(framing.wrap(message.encoded(ARRAY), null));
      }
    };
  }

  /** An off-heap, unreleasable buffer over the bytes: written to many responses without copies. */
  static Buffer shared(byte[] bytes) {
    ByteBuf direct = Unpooled.directBuffer(bytes.length, bytes.length).writeBytes(bytes);
    return VertxInternals.buffer(Unpooled.unreleasableBuffer(direct));
  }

  /** {@code a[m1,m2,...]} for messages a polling session batches. */
  static byte[] array(List<Outbound> messages) {
    int size = 2 + messages.size();
    for (Outbound m : messages) {
      size += m.encoded(QUOTED).length;
    }
    byte[] out = new byte[size];
    out[0] = 'a';
    out[1] = '[';
    int at = 2;
    for (int i = 0; i < messages.size(); i++) {
      if (i > 0) {
        out[at++] = ',';
      }
      byte[] q = messages.get(i).encoded(QUOTED);
      System.arraycopy(q, 0, out, at, q.length);
      at += q.length;
    }
    out[at] = ']';
    return out;
  }

  /** {@code c[code,"reason"]}. */
  static String close(int code, String reason) {
    return "c[" + code + "," + new String(quote(reason.getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8) + "]";
  }

  /**
   * UTF-8 text as a JSON string literal, escaping what JSON requires plus what SockJS servers
   * escape so that no browser transport mangles it: control characters and U+200C-U+200F,
   * U+2028-U+202F, U+2060-U+206F, U+FFF0-U+FFFF (as {@code \\uXXXX}). Other bytes pass through.
   * The input must be valid UTF-8.
   */
  static byte[] quote(byte[] utf8) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(utf8.length + 16);
    out.write('"');
    int n = utf8.length;
    int start = 0;
    for (int i = 0; i < n; i++) {
      int b = utf8[i] & 0xFF;
      String escape = null;
      int consumed = 1;
      if (b == '"') {
        escape = "\\\"";
      } else if (b == '\\') {
        escape = "\\\\";
      } else if (b < 0x20) {
        escape = unicodeEscape(b);
      } else if (b == 0xE2 && i + 2 < n) {
        int c = ((b & 0x0F) << 12) | ((utf8[i + 1] & 0x3F) << 6) | (utf8[i + 2] & 0x3F);
        if ((c >= 0x200C && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F)
            || (c >= 0x2060 && c <= 0x206F)) {
          escape = unicodeEscape(c);
          consumed = 3;
        }
      } else if (b == 0xEF && i + 2 < n && (utf8[i + 1] & 0xFF) == 0xBF
          && (utf8[i + 2] & 0xFF) >= 0xB0) {
        escape = unicodeEscape(0xFFC0 | (utf8[i + 2] & 0x3F));
        consumed = 3;
      }
      if (escape != null) {
        out.write(utf8, start, i - start);
        out.writeBytes(escape.getBytes(StandardCharsets.US_ASCII));
        i += consumed - 1;
        start = i + 1;
      }
    }
    out.write(utf8, start, n - start);
    out.write('"');
    return out.toByteArray();
  }

  private static String unicodeEscape(int c) {
    return String.format("\\u%04x", c);
  }
}
