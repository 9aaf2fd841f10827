package dev.gateway.support;

import dev.gateway.support.RawWebSocket.Frame;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * The reading side of {@link RawWebSocket}: unbuffered (never a byte more from the kernel than
 * the head or frame being read needs) and bounded by a deadline: past it a read throws
 * {@link SocketTimeoutException}. The end of the TCP stream, EOF or reset, is remembered.
 */
final class RawReader {

  private static final long MAX_FRAME = 16 * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final byte[] one = new byte[1];
  /** {@link System#nanoTime()} past which a read fails. */
  private long deadline;
  /** Above 0: the deadline moves on by this much with every read that returns bytes. */
  private long idleNanos;
  /** How the TCP stream ended ("eof", "reset: ..."), null while it is open. */
  private String ended;

  RawReader(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /** Reads from now on fail {@code nanos} from now. */
  void deadlineIn(long nanos) {
    deadline = System.nanoTime() + nanos;
    idleNanos = 0;
  }

  /** Reads from now on fail once {@code nanos} pass without a byte. */
  void idleTimeout(long nanos) {
    deadline = System.nanoTime() + nanos;
    idleNanos = nanos;
  }

  /** How the stream ended ("eof", "reset: ..."), or null. */
  String ended() {
    return ended;
  }

  /** The next frame; null when the stream ended before one began. */
  Frame frame() throws IOException {
    int b0 = readByte();
    return b0 < 0 ? null : frameAfter(b0);
  }

  /** The rest of a frame whose first byte was {@code b0}. */
  Frame frameAfter(int b0) throws IOException {
    int b1 = need();
    if ((b1 & 0x80) != 0) {
      throw new ProtocolException("server sent a masked frame");
    }
    long len = b1 & 0x7F;
    if (len == 126) {
      len = (need() << 8) | need();
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++) {
        len = (len << 8) | need();
      }
    }
    if (len < 0 || len > MAX_FRAME) {
      throw new ProtocolException("server frame too long: " + len);
    }
    byte[] payload = new byte[(int) len];
    for (int off = 0, n; off < payload.length; off += n) {
      if ((n = readSome(payload, off, payload.length - off)) < 0) {
        throw new EOFException("TCP closed in the middle of a frame");
      }
    }
    return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 0x7, b0 & 0x0F, payload);
  }

  /** An HTTP head up to and with its blank line (or what came before the end), read byte by byte. */
  byte[] head() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    byte[] end = {'\r', '\n', '\r', '\n'};
    for (int matched = 0, b; matched < 4 && (b = readByte()) >= 0; ) {
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toByteArray();
  }

  /** Up to {@code n} bytes: fewer when the stream ends first. */
  byte[] bytes(int n) throws IOException {
    byte[] body = new byte[n];
    int got = 0;
    for (int r; got < n && (r = readSome(body, got, n - got)) >= 0; ) {
      got += r;
    }
    return Arrays.copyOf(body, got);
  }

  /** Discards everything until the stream ends: true, or the deadline passes: false. */
  boolean toEnd() throws IOException {
    byte[] sink = new byte[4096];
    try {
      while (readSome(sink, 0, sink.length) >= 0) {
        // discard
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** One byte, or -1 once the stream ended. */
  int readByte() throws IOException {
    return readSome(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  private int need() throws IOException {
    int b = readByte();
    if (b < 0) {
      throw new EOFException("TCP closed in the middle of a frame");
    }
    return b;
  }

  /** Reads at most {@code len} bytes (at least one); -1 once the stream ended (EOF or reset). */
  private int readSome(byte[] b, int off, int len) throws IOException {
    if (ended != null) {
      return -1;
    }
    long left = (deadline - System.nanoTime()) / 1_000_000L;
    if (left <= 0) {
      throw new SocketTimeoutException("read timed out");
    }
    int n;
    try {
      socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
      n = in.read(b, off, len);
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (SocketException e) {
      ended = "reset: " + e.getMessage(); // a reset counts as closed
      return -1;
    }
    if (n < 0) {
      ended = "eof";
      return -1;
    }
    if (idleNanos > 0) {
      deadline = System.nanoTime() + idleNanos;
    }
    return n;
  }
}
