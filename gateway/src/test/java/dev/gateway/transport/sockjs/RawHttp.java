package dev.gateway.transport.sockjs;

import java.io.BufferedInputStream;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.x client on one {@link Socket}, for conformance tests that must see the wire: any
 * request line (HTTP/1.0 or 1.1, any method, any target spelled as given, never normalised) and
 * any headers; the status line and every header as sent; a body read whole, chunk by chunk, or
 * up to a delimiter across chunks; the end of the body told apart from the end of the TCP
 * connection; a second request on the same connection (keep-alive).
 *
 * <p>Every read has a deadline ({@link #timeout}, 10 s unless set): past it the read fails the
 * test with "read timed out". One thread at a time.
 */
final class RawHttp implements AutoCloseable {

  /** A response head: version ("1.0"/"1.1"), status, headers by lower-cased name. */
  record Head(String version, int status, Map<String, List<String>> headers) {

    /** The first value of the header, or null. */
    String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }

    List<String> all(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public String toString() {
      return "HTTP/" + version + " " + status + " " + headers;
    }
  }

  /** A whole response: its head and its body as UTF-8. */
  record Response(Head head, String body) {
    int status() {
      return head.status();
    }

    String header(String name) {
      return head.header(name);
    }

    @Override
    public String toString() {
      return head + " body=" + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
    }
  }

  private enum Body { NONE, LENGTH, CHUNKED, TO_EOF }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final int port;
  private long timeoutMillis = 10_000;
  private long deadline;
  private String lastMethod = "GET";
  private Body body = Body.NONE;
  /** Bytes left in the current chunk (chunked) or in the body (length). */
  private long remaining;
  private boolean bodyEnded = true;
  private boolean tcpEnded;

  private RawHttp(Socket socket, int port) throws IOException {
    this.socket = socket;
    this.port = port;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** A TCP connection to 127.0.0.1:port; nothing sent yet. */
  static RawHttp open(int port) {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new RawHttp(s, port);
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // failing anyway
      }
      throw new UncheckedIOException(e);
    }
  }

  /** One HTTP/1.1 exchange on a fresh connection: the whole response; the connection is closed. */
  static Response exchange(int port, String method, String target, Map<String, String> headers,
                           String body) {
    try (RawHttp c = open(port)) {
      return c.send(method, target, "1.1", headers, body).response();
    }
  }

  static Response get(int port, String target) {
    return exchange(port, "GET", target, Map.of(), null);
  }

  static Response post(int port, String target, String body) {
    return exchange(port, "POST", target, Map.of(), body);
  }

  /** The deadline of each following read operation. */
  RawHttp timeout(long millis) {
    this.timeoutMillis = millis;
    return this;
  }

  /**
   * Writes a request: the request line as given, {@code Host} unless among the headers, the
   * headers, and {@code Content-Length} when there is a body and no such header was given.
   */
  RawHttp send(String method, String target, String version, Map<String, String> headers,
               String body) {
    byte[] content = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/")
        .append(version).append("\r\n");
    Map<String, String> all = new LinkedHashMap<>();
    if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Host"))) {
      all.put("Host", "127.0.0.1:" + port);
    }
    all.putAll(headers);
    if (content != null && all.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Length"))) {
      all.put("Content-Length", Integer.toString(content.length));
    }
    all.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    sb.append("\r\n");
    try {
      out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (content != null) {
        out.write(content);
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    lastMethod = method;
    return this;
  }

  RawHttp send(String method, String target, Map<String, String> headers, String body) {
    return send(method, target, "1.1", headers, body);
  }

  /** Reads the next response head and prepares to read its body. */
  Head head() {
    startDeadline();
    String statusLine = line();
    if (statusLine == null) {
      throw new AssertionError("connection closed before a response");
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new AssertionError("not a status line: " + statusLine);
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String h; !(h = headerLine()).isEmpty(); ) {
      int colon = h.indexOf(':');
      headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          k -> new ArrayList<>()).add(h.substring(colon + 1).trim());
    }
    Head head = new Head(parts[0].substring(5), Integer.parseInt(parts[1]), headers);
    String te = head.header("transfer-encoding");
    String length = head.header("content-length");
    bodyEnded = false;
    if (lastMethod.equals("HEAD") || head.status() < 200 || head.status() == 204
        || head.status() == 304) {
      body = Body.NONE;
      bodyEnded = true;
    } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      body = Body.CHUNKED;
      remaining = -1; // before the first chunk
    } else if (length != null) {
      body = Body.LENGTH;
      remaining = Long.parseLong(length);
      bodyEnded = remaining == 0;
    } else {
      body = Body.TO_EOF;
    }
    return head;
  }

  /** The next response, head and whole body. */
  Response response() {
    Head head = head();
    return new Response(head, body());
  }

  /** The rest of the body. */
  String body() {
    startDeadline();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int b; (b = bodyByte()) >= 0; ) {
      all.write(b);
    }
    return all.toString(StandardCharsets.UTF_8);
  }

  /** The next chunk's data of a chunked body; "" for the last chunk (the body then ended). */
  String chunk() {
    if (body != Body.CHUNKED) {
      throw new AssertionError("not a chunked body: " + body);
    }
    if (bodyEnded) {
      throw new AssertionError("the body already ended");
    }
    if (remaining > 0) {
      throw new AssertionError("in the middle of a chunk");
    }
    startDeadline();
    nextChunk();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    while (remaining > 0) {
      data.write(raw());
      remaining--;
    }
    return data.toString(StandardCharsets.UTF_8);
  }

  /**
   * The body up to and including {@code delimiter}, across chunks; null when the body ended
   * before a byte of it; a failure when it ended in the middle.
   */
  String until(String delimiter) {
    startDeadline();
    byte[] d = delimiter.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (true) {
      int b = bodyByte();
      if (b < 0) {
        if (got.size() == 0) {
          return null;
        }
        throw new AssertionError("body ended before " + printable(delimiter) + " after: "
            + printable(got.toString(StandardCharsets.UTF_8)));
      }
      got.write(b);
      if (endsWith(got, d)) {
        return got.toString(StandardCharsets.UTF_8);
      }
    }
  }

  /** Exactly {@code n} bytes of the body (fewer only when it ends first). */
  String bytes(int n) {
    startDeadline();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (int b; got.size() < n && (b = bodyByte()) >= 0; ) {
      got.write(b);
    }
    return got.toString(StandardCharsets.UTF_8);
  }

  /**
   * Whether the body ends within {@code millis} (last chunk, length reached or EOF): false when
   * nothing came; a failure when more body came instead.
   */
  boolean bodyEnds(long millis) {
    long saved = timeoutMillis;
    timeoutMillis = millis;
    startDeadline();
    timeoutMillis = saved;
    try {
      int b = bodyByte();
      if (b >= 0) {
        throw new AssertionError("body went on: " + printable((char) b + bytes(200)));
      }
      return true;
    } catch (AssertionError e) {
      if ("read timed out".equals(e.getMessage())) {
        return false;
      }
      throw e;
    }
  }

  /** True when the server closes the TCP connection (EOF or reset) within {@code millis}. */
  boolean tcpCloses(long millis) {
    long saved = timeoutMillis;
    timeoutMillis = millis;
    startDeadline();
    timeoutMillis = saved;
    try {
      int b = rawOrEof();
      if (b >= 0) {
        throw new AssertionError("bytes after the response instead of the end of the connection: "
            + printable((char) b + ""));
      }
      return true;
    } catch (AssertionError e) {
      if ("read timed out".equals(e.getMessage())) {
        return false;
      }
      throw e;
    }
  }

  /** True once the server ended the TCP connection (seen by a read). */
  boolean tcpEnded() {
    return tcpEnded;
  }

  /** Closes the connection (for a receiving request: the client aborts it). */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /** Text with CR, LF and other control characters shown, for failure messages. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c < 0x20) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  // --- body decoding ---

  /** The next byte of the body, or -1 at its end. */
  private int bodyByte() {
    if (bodyEnded) {
      return -1;
    }
    switch (body) {
      case LENGTH -> {
        int b = raw();
        if (--remaining == 0) {
          bodyEnded = true;
        }
        return b;
      }
      case CHUNKED -> {
        if (remaining <= 0) {
          nextChunk();
          if (bodyEnded) {
            return -1;
          }
        }
        remaining--;
        return raw();
      }
      case TO_EOF -> {
        int b = rawOrEof();
        if (b < 0) {
          bodyEnded = true;
        }
        return b;
      }
      default -> {
        return -1;
      }
    }
  }

  /** Reads a chunk-size line (after the previous chunk's CRLF); the last one ends the body. */
  private void nextChunk() {
    if (remaining == 0) {
      String crlf = headerLine();
      if (!crlf.isEmpty()) {
        throw new AssertionError("chunk not followed by CRLF: " + printable(crlf));
      }
    }
    String size = headerLine();
    int semi = size.indexOf(';');
    remaining = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
    if (remaining == 0) {
      for (String trailer; !(trailer = headerLine()).isEmpty(); ) {
        // trailers are ignored
      }
      bodyEnded = true;
    }
  }

  private static boolean endsWith(ByteArrayOutputStream got, byte[] d) {
    if (got.size() < d.length) {
      return false;
    }
    byte[] all = got.toByteArray();
    for (int i = 0; i < d.length; i++) {
      if (all[all.length - d.length + i] != d[i]) {
        return false;
      }
    }
    return true;
  }

  // --- raw reads ---

  private void startDeadline() {
    deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
  }

  /** A CRLF-terminated line without its CRLF; null when the connection ends before a byte. */
  private String line() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      int c = b.size() == 0 ? rawOrEof() : raw();
      if (c < 0) {
        return null;
      }
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
  }

  private String headerLine() {
    String h = line();
    if (h == null) {
      throw new AssertionError("connection ended in the middle of a response head");
    }
    return h;
  }

  private int raw() {
    int b = rawOrEof();
    if (b < 0) {
      throw new AssertionError("connection ended in the middle of a response");
    }
    return b;
  }

  private int rawOrEof() {
    if (tcpEnded) {
      return -1;
    }
    long left = (deadline - System.nanoTime()) / 1_000_000L;
    if (left <= 0) {
      throw new AssertionError("read timed out");
    }
    try {
      socket.setSoTimeout((int) Math.max(1, left));
      int b = in.read();
      if (b < 0) {
        tcpEnded = true;
      }
      return b;
    } catch (SocketTimeoutException e) {
      throw new AssertionError("read timed out");
    } catch (SocketException e) {
      tcpEnded = true; // a reset ends the connection too
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
