package dev.gateway.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A deliberately dumb WebSocket client over a plain {@link Socket}, for tests that must send what
 * no real client library would: hand-written upgrade requests and frames with any FIN, RSV,
 * opcode, mask and length encoding (built by {@link RawFrame}). It reads the server's frames,
 * close code and the end of the TCP connection (EOF or reset). Every read is bounded by a
 * deadline (a late answer fails the test with "read timed out"); writes are small, to loopback.
 * Read from the test thread only; a large write may run on one other thread.
 */
final class RawFrameSocket implements AutoCloseable {

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** A frame as read from the server. */
  record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The close code of a close frame, or -1 when it has no payload. */
    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
    }
  }

  /** The status line and headers (names lower-cased) of an HTTP response. */
  record HttpHead(int status, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] buf = new byte[16 * 1024];
  private int pos;
  private int lim;
  /** Frames read while waiting for something else (text, pong...). */
  final List<Frame> seen = new ArrayList<>();

  private RawFrameSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** A TCP connection to 127.0.0.1:port, nothing sent yet. */
  static RawFrameSocket open(int port) {
    try {
      Socket s = new Socket();
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setTcpNoDelay(true);
      s.setSoTimeout(5_000);
      return new RawFrameSocket(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens a connection and completes a valid upgrade on {@code /ws}; fails unless 101. */
  static RawFrameSocket connect(int port) {
    RawFrameSocket ws = open(port);
    String key = newKey();
    ws.write(request("GET", "/ws", upgradeHeaders(port, key)));
    HttpHead head = ws.readHttpHead(5);
    if (head.status() != 101) {
      ws.close();
      throw new AssertionError("upgrade refused: " + head);
    }
    if (!acceptFor(key).equals(head.header("Sec-WebSocket-Accept"))) {
      ws.close();
      throw new AssertionError("bad Sec-WebSocket-Accept: " + head);
    }
    return ws;
  }

  static String newKey() {
    byte[] raw = new byte[16];
    new Random().nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  static String acceptFor(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1")
          .digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The headers of a valid upgrade request (insertion-ordered, editable). */
  static Map<String, String> upgradeHeaders(int port, String key) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Host", "127.0.0.1:" + port);
    h.put("Upgrade", "websocket");
    h.put("Connection", "Upgrade");
    h.put("Sec-WebSocket-Key", key);
    h.put("Sec-WebSocket-Version", "13");
    return h;
  }

  /** An HTTP/1.1 request head. */
  static byte[] request(String method, String path, Map<String, String> headers) {
    StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  RawFrameSocket write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  RawFrameSocket send(RawFrame frame) {
    return write(frame.bytes());
  }

  /** Reads an HTTP response head; status -1 if the server closed before sending one. */
  HttpHead readHttpHead(long seconds) {
    long deadline = deadline(seconds);
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = readByte(deadline);
      if (b < 0) {
        if (head.size() == 0) {
          return new HttpHead(-1, Map.of());
        }
        break;
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] status = lines[0].split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    return new HttpHead(Integer.parseInt(status[1]), headers);
  }

  /** Reads bytes of an HTTP body (as far as they come before EOF or the deadline). */
  byte[] readBytes(int n, long seconds) {
    long deadline = deadline(seconds);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    while (o.size() < n) {
      int b = readByte(deadline);
      if (b < 0) {
        break;
      }
      o.write(b);
    }
    return o.toByteArray();
  }

  /** The next frame from the server, or null when the TCP connection ended first. */
  Frame readFrame(long seconds) {
    return readFrameUntil(deadline(seconds));
  }

  private Frame readFrameUntil(long deadline) {
    int b0 = readByte(deadline);
    if (b0 < 0) {
      return null;
    }
    int b1 = need(deadline);
    if ((b1 & 0x80) != 0) {
      throw new AssertionError("server sent a masked frame");
    }
    long len = b1 & 0x7F;
    if (len == 126) {
      len = (need(deadline) << 8) | need(deadline);
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++) {
        len = (len << 8) | need(deadline);
      }
    }
    if (len > 16 * 1024 * 1024) {
      throw new AssertionError("server frame too long: " + len);
    }
    byte[] payload = new byte[(int) len];
    for (int i = 0; i < len; i++) {
      payload[i] = (byte) need(deadline);
    }
    return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 0x7, b0 & 0x0F, payload);
  }

  /** The first frame with this opcode, keeping others in {@link #seen}; null on EOF. */
  Frame awaitFrame(int opcode, long seconds) {
    long deadline = deadline(seconds);
    while (true) {
      Frame f = readFrameUntil(deadline);
      if (f == null || f.opcode() == opcode) {
        return f;
      }
      seen.add(f);
    }
  }

  /** The code of the server's close frame; fails if the connection ends without one. */
  int awaitCloseCode(long seconds) {
    Frame f = awaitFrame(RawFrame.CLOSE, seconds);
    if (f == null) {
      throw new AssertionError("TCP closed without a close frame (other frames before: " + seen.size() + ")");
    }
    return f.closeCode();
  }

  /** The next text frame's content; fails on EOF or timeout. */
  String awaitText(long seconds) {
    Frame f = awaitFrame(RawFrame.TEXT, seconds);
    if (f == null) {
      throw new AssertionError("TCP closed while waiting for a text frame");
    }
    return f.text();
  }

  /**
   * Waits for the server to end the TCP connection (EOF or reset), discarding anything it sends.
   * True if it did within the time.
   */
  boolean awaitTcpClose(long seconds) {
    long deadline = deadline(seconds);
    try {
      while (true) {
        if (readByte(deadline) < 0) {
          return true;
        }
      }
    } catch (AssertionError timeout) {
      return false;
    }
  }

  private int need(long deadline) {
    int b = readByte(deadline);
    if (b < 0) {
      throw new AssertionError("TCP closed in the middle of a frame");
    }
    return b;
  }

  /** One byte, -1 on EOF or reset; AssertionError past the deadline. */
  private int readByte(long deadline) {
    if (pos < lim) {
      return buf[pos++] & 0xFF;
    }
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        throw new AssertionError("read timed out");
      }
      try {
        socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
        int n = in.read(buf);
        if (n < 0) {
          return -1;
        }
        if (n > 0) {
          pos = 0;
          lim = n;
          return buf[pos++] & 0xFF;
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("read timed out");
      } catch (SocketException e) {
        return -1; // connection reset counts as closed
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static long deadline(long seconds) {
    return System.nanoTime() + seconds * 1_000_000_000L;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
