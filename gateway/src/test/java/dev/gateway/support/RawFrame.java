package dev.gateway.support;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Builds one client WebSocket frame byte by byte, for {@link RawWebSocket}: any FIN, RSV bits,
 * opcode, masking and payload-length encoding, valid or not. Masked with a random key and
 * minimal length encoding unless told otherwise.
 */
public final class RawFrame {

  public static final int CONT = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;

  /** How the payload length is written on the wire. */
  public enum Length { MINIMAL, SIXTEEN, SIXTY_FOUR }

  private static final Random MASKS = new Random(6455);

  private boolean fin = true;
  private int rsv;
  private final int opcode;
  private boolean masked = true;
  private final byte[] payload;
  private Length length = Length.MINIMAL;
  private Long declared;

  private RawFrame(int opcode, byte[] payload) {
    this.opcode = opcode;
    this.payload = payload;
  }

  public RawFrame fin(boolean f) {
    this.fin = f;
    return this;
  }

  /** RSV bits as a 3-bit number: 4 = RSV1, 2 = RSV2, 1 = RSV3. */
  public RawFrame rsv(int bits) {
    this.rsv = bits;
    return this;
  }

  public RawFrame unmasked() {
    this.masked = false;
    return this;
  }

  public RawFrame length(Length form) {
    this.length = form;
    return this;
  }

  /** Writes this value as the payload length (64-bit form) whatever the real payload. */
  public RawFrame declaredLength64(long value) {
    this.length = Length.SIXTY_FOUR;
    this.declared = value;
    return this;
  }

  public byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0x0F));
    int maskBit = masked ? 0x80 : 0;
    long len = declared != null ? declared : payload.length;
    Length form = length;
    if (form == Length.MINIMAL) {
      form = len <= 125 ? null : len <= 0xFFFF ? Length.SIXTEEN : Length.SIXTY_FOUR;
    }
    if (form == null) {
      out.write(maskBit | (int) len);
    } else if (form == Length.SIXTEEN) {
      out.write(maskBit | 126);
      out.write((int) (len >>> 8) & 0xFF);
      out.write((int) len & 0xFF);
    } else {
      out.write(maskBit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) (len >>> shift) & 0xFF);
      }
    }
    byte[] body = payload.clone();
    if (masked) {
      byte[] key = new byte[4];
      MASKS.nextBytes(key);
      out.writeBytes(key);
      for (int i = 0; i < body.length; i++) {
        body[i] ^= key[i % 4];
      }
    }
    out.writeBytes(body);
    return out.toByteArray();
  }

  public static RawFrame frame(int opcode, byte[] payload) {
    return new RawFrame(opcode, payload);
  }

  public static RawFrame text(String s) {
    return frame(TEXT, s.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] closePayload(int code, String reason) {
    byte[] r = reason.getBytes(StandardCharsets.UTF_8);
    byte[] p = new byte[2 + r.length];
    p[0] = (byte) (code >>> 8);
    p[1] = (byte) code;
    System.arraycopy(r, 0, p, 2, r.length);
    return p;
  }

  /** Concatenates frames so they go out in one write. */
  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }
}
