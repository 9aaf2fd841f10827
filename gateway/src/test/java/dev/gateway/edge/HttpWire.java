package dev.gateway.edge;

import io.vertx.core.json.JsonObject;
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
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection to a node on 127.0.0.1 over a plain socket, from a chosen source
 * address (any 127.0.0.x on Linux), so a test can be two different clients. Sends anything
 * (half a request line, any path byte for byte) and reads the answer: the head, a body by
 * Content-Length, chunk by chunk, or up to the end of the stream. Every read has a deadline;
 * past it the read fails the test with what was received so far.
 */
final class HttpWire implements AutoCloseable {

  /** A response head: status (-1: the server closed before answering) and headers (names lower-cased). */
  record Head(int status, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** A whole response. */
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The {@code error} field of a JSON body, or null. */
    String error() {
      try {
        return new JsonObject(body).getString("error");
      } catch (RuntimeException e) {
        return null;
      }
    }

    @Override
    public String toString() {
      String b = body.replace("h".repeat(2048), "<2048 h prelude>");
      return status + " " + headers + " " + (b.length() > 300 ? b.substring(0, 300) + "..." : b);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final int port;
  private Head head;
  /** Bytes left in the current chunk; -1 before the first chunk; -2 after the last one. */
  private long chunkLeft = -1;
  private final StringBuilder bodySoFar = new StringBuilder();
  /** {@link System#nanoTime()} past which a read fails. */
  private long end;
  private final byte[] one = new byte[1];

  private HttpWire(Socket socket, int port) throws IOException {
    this.socket = socket;
    this.port = port;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** A TCP connection from {@code source} (e.g. "127.0.0.2") to 127.0.0.1:port; nothing sent yet. */
  static HttpWire open(String source, int port) {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.bind(new InetSocketAddress(source, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new HttpWire(s, port);
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // failing anyway
      }
      throw new UncheckedIOException("connect from " + source + " failed", e);
    }
  }

  /** One request on a fresh connection from {@code source}, answer read whole within {@code seconds}. */
  static Response exchange(String source, int port, String method, String target,
                           Map<String, String> headers, String body, long seconds) {
    try (HttpWire w = open(source, port)) {
      return w.send(method, target, headers, body).response(seconds);
    }
  }

  /**
   * {@code POST /eventbus/000/SESSION/TRANSPORT} from {@code source}, sent and not yet read (a
   * receiving request the test holds, or reads chunk by chunk).
   */
  static HttpWire sockJs(String source, int port, String session, String transport, String body) {
    return open(source, port).send("POST", "/eventbus/000/" + session + "/" + transport, Map.of(),
        body == null ? "" : body);
  }

  /** As {@link #sockJs(String, int, String, String, String)}, answered whole within {@code seconds}. */
  static Response sockJs(String source, int port, String session, String transport, String body, long seconds) {
    try (HttpWire w = sockJs(source, port, session, transport, body)) {
      return w.response(seconds);
    }
  }

  /** The body of an {@code xhr_send}: bridge messages as a JSON array of strings. */
  static String frames(JsonObject... messages) {
    io.vertx.core.json.JsonArray a = new io.vertx.core.json.JsonArray();
    for (JsonObject m : messages) {
      a.add(m.encode());
    }
    return a.encode();
  }

  /**
   * Sends a request: Host is added unless given, Content-Length when there is a body (SockJS
   * bodies are sent as text/plain unless a Content-Type is given).
   */
  HttpWire send(String method, String target, Map<String, String> headers, String body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Host", "127.0.0.1:" + port);
    h.putAll(headers);
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      h.putIfAbsent("Content-Type", "text/plain;charset=UTF-8");
      h.put("Content-Length", String.valueOf(b.length));
    }
    StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    h.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    sb.append("\r\n");
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    all.writeBytes(b);
    return write(all.toByteArray());
  }

  HttpWire write(String raw) {
    return write(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  HttpWire write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes without failing; false when the server has already closed (the write failed). */
  boolean tryWrite(String raw) {
    try {
      write(raw);
      return true;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** The response head (read once; later calls return it again). */
  Head head(long seconds) {
    if (head != null) {
      return head;
    }
    deadline(seconds);
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try {
      for (int matched = 0, b; matched < 4 && (b = read()) >= 0; ) {
        raw.write(b);
        matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no response head within " + seconds + " s (got: "
          + raw.toString(StandardCharsets.ISO_8859_1) + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String text = raw.toString(StandardCharsets.ISO_8859_1);
    Map<String, String> headers = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return head = new Head(-1, headers);
    }
    String[] lines = text.split("\r\n");
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    String[] status = lines[0].split(" ", 3);
    return head = new Head(status.length > 1 ? Integer.parseInt(status[1]) : -1, headers);
  }

  /** The whole response: head and body (by Content-Length, chunked to the last chunk, or to EOF). */
  Response response(long seconds) {
    Head h = head(seconds);
    if (h.status() == -1) {
      return new Response(-1, h.headers(), "");
    }
    String length = h.header("content-length");
    if (length != null) {
      return new Response(h.status(), h.headers(), readBytes(Integer.parseInt(length.trim()), seconds));
    }
    if ("chunked".equalsIgnoreCase(h.header("transfer-encoding"))) {
      while (chunk(seconds) != null) {
        // accumulated in bodySoFar
      }
      return new Response(h.status(), h.headers(), bodySoFar.toString());
    }
    if (h.status() == 101 || h.status() == 204 || h.status() == 304) {
      return new Response(h.status(), h.headers(), "");
    }
    return new Response(h.status(), h.headers(), readBytes(Integer.MAX_VALUE, seconds));
  }

  /** The next chunk of a chunked body as text; null after the last chunk. */
  String chunk(long seconds) {
    return chunkWithin(seconds * 1000);
  }

  private String chunkWithin(long millis) {
    head(Math.max(1, millis / 1000));
    if (chunkLeft == -2) {
      return null;
    }
    deadlineMillis(millis);
    try {
      String size = line();
      int semicolon = size.indexOf(';');
      long n = Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
      if (n == 0) {
        line(); // the empty trailer
        chunkLeft = -2;
        return null;
      }
      byte[] data = new byte[(int) n];
      for (int off = 0, r; off < data.length; off += r) {
        if ((r = read(data, off, data.length - off)) < 0) {
          throw new IOException("stream ended inside a chunk");
        }
      }
      line(); // CRLF after the data
      String text = new String(data, StandardCharsets.UTF_8);
      bodySoFar.append(text);
      return text;
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no chunk within " + millis + " ms (body so far: " + tail() + ")");
    } catch (IOException | NumberFormatException e) {
      throw new AssertionError("body ended or broke: " + e + " (body so far: " + tail() + ")");
    }
  }

  /** Reads chunks until the body so far contains {@code needle}; fails on timeout or end of body. */
  String awaitBody(String needle, long seconds) {
    long until = System.nanoTime() + seconds * 1_000_000_000L;
    while (!bodySoFar.toString().contains(needle)) {
      long left = (until - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        throw new AssertionError("'" + needle + "' not received within " + seconds + " s (body so far: " + tail() + ")");
      }
      String chunk;
      try {
        chunk = chunkWithin(left);
      } catch (AssertionError timeout) {
        throw new AssertionError("'" + needle + "' not received within " + seconds + " s: " + timeout.getMessage());
      }
      if (chunk == null) {
        throw new AssertionError("body ended without '" + needle + "' (body: " + tail() + ")");
      }
    }
    return bodySoFar.toString();
  }

  /**
   * The first SockJS frame of a streaming body (after the xhr-streaming prelude of 2048 {@code h}
   * and a newline), without its newline.
   */
  String firstFrame(long seconds) {
    long until = System.nanoTime() + seconds * 1_000_000_000L;
    while (true) {
      String body = bodySoFar.toString();
      String rest = body.startsWith("h".repeat(2048) + "\n") ? body.substring(2049) : body;
      if (rest.indexOf('\n') >= 0) {
        return rest.substring(0, rest.indexOf('\n'));
      }
      long left = (until - System.nanoTime()) / 1_000_000L;
      if (left <= 0 || chunkWithin(left) == null) {
        throw new AssertionError("no SockJS frame within " + seconds + " s (body: " + tail() + ")");
      }
    }
  }

  /** Everything of a chunked body read so far. */
  String bodySoFar() {
    return bodySoFar.toString();
  }

  /** True when the server ends the connection (EOF or reset) within {@code millis}; what it sends is discarded. */
  boolean awaitClosed(long millis) {
    deadlineMillis(millis);
    byte[] sink = new byte[4096];
    try {
      while (read(sink, 0, sink.length) >= 0) {
        // discard
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String readBytes(int max, long seconds) {
    deadline(seconds);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      for (int b; body.size() < max && (b = read()) >= 0; ) {
        body.write(b);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("body not complete within " + seconds + " s (got: "
          + body.toString(StandardCharsets.UTF_8) + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return body.toString(StandardCharsets.UTF_8);
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b; (b = read()) >= 0 && b != '\n'; ) {
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }

  private int read() throws IOException {
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  /** Reads at most {@code len} bytes before the deadline; -1 at the end of the stream (EOF or reset). */
  private int read(byte[] b, int off, int len) throws IOException {
    long left = (end - System.nanoTime()) / 1_000_000L;
    if (left <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    try {
      socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
      return in.read(b, off, len);
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (SocketException e) {
      return -1; // a reset ends the stream
    }
  }

  private void deadline(long seconds) {
    deadlineMillis(seconds * 1000);
  }

  private void deadlineMillis(long millis) {
    end = System.nanoTime() + Math.max(1, millis) * 1_000_000L;
  }

  private String tail() {
    String s = bodySoFar.toString().replace("h".repeat(2048), "<2048 h prelude>");
    return s.length() > 400 ? "..." + s.substring(s.length() - 400) : s;
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
