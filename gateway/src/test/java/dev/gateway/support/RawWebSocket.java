package dev.gateway.support;

import dev.gateway.support.RawHandshake.HttpHead;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A deliberately dumb WebSocket client over a plain {@link Socket}, for tests that must do what no
 * client library does: hand-written upgrade requests ({@link RawHandshake}), frames with any FIN,
 * RSV, opcode, mask and length encoding ({@link RawFrame}), several frames in one TCP write, and
 * a connection that nobody reads. It reads the server's frames, close code and the end of the TCP
 * connection (EOF or reset).
 *
 * <p>Reads are unbuffered: not a byte more leaves the kernel than the head or frame being read
 * needs. A test that stops reading lets the receive window (small when {@code receiveBuffer} is
 * given, set before connect) fill so the server's writes back up, unlike a Vert.x client, whose
 * {@code pause()} only stops delivery and keeps reading into its inbound queue.
 *
 * <p>Every read is bounded: the read and await methods fail with "read timed out" past their
 * deadline, {@link #poll} answers null, {@link #drain} reports it. Read from one thread at a time;
 * a large write may run on one other thread.
 */
public final class RawWebSocket implements AutoCloseable {

  /** A frame as read from the server (the server never masks). */
  public record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame, or -1 (not a close frame, or one without a status). */
    public int closeCode() {
      return opcode == RawFrame.CLOSE && payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
    }

    @Override
    public String toString() {
      return "Frame[opcode=0x" + Integer.toHexString(opcode) + (fin ? "" : ", not fin") + ", " + text() + "]";
    }
  }

  /** What {@link #drain} found: bytes read, frames, the first close frame's code (or -1), how it ended. */
  public record Drain(long bytes, int frames, int closeCode, String end) {
  }

  private interface Read<T> {
    T run() throws IOException;
  }

  private final Socket socket;
  private final RawReader in;
  private final OutputStream out;
  /** Frames passed over while waiting for another kind (pong, close...). */
  private final List<Frame> seen = new ArrayList<>();

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new RawReader(socket);
    this.out = socket.getOutputStream();
  }

  /** A TCP connection to 127.0.0.1:port, nothing sent yet. */
  public static RawWebSocket open(int port) {
    return open(port, 0);
  }

  /** As {@link #open(int)}, with this receive buffer (above 0) set before connect: the advertised window stays small. */
  public static RawWebSocket open(int port, int receiveBuffer) {
    Socket s = new Socket();
    try {
      if (receiveBuffer > 0) {
        s.setReceiveBufferSize(receiveBuffer);
      }
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new RawWebSocket(s);
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // failing anyway
      }
      throw new UncheckedIOException(e);
    }
  }

  /** Opens a connection and completes a valid upgrade on {@code /ws}; fails unless 101 with the right accept. */
  public static RawWebSocket connect(int port) {
    return connect(port, "/ws", 0);
  }

  /** As {@link #connect(int)} on {@code path}, with {@link #open(int, int)}'s receive buffer. */
  public static RawWebSocket connect(int port, String path, int receiveBuffer) {
    RawWebSocket ws = open(port, receiveBuffer);
    String key = RawHandshake.newKey();
    HttpHead head = ws.request("GET", path, RawHandshake.upgradeHeaders(port, key));
    if (head.status() != 101 || !RawHandshake.acceptFor(key).equals(head.header("Sec-WebSocket-Accept"))) {
      ws.close();
      throw new AssertionError("upgrade refused or bad Sec-WebSocket-Accept: " + head);
    }
    return ws;
  }

  /** Sends one raw HTTP request on a fresh connection and returns the response head. */
  public static HttpHead exchange(int port, String request) {
    try (RawWebSocket ws = open(port)) {
      ws.write(request.getBytes(StandardCharsets.US_ASCII));
      return ws.readHttpHead(5);
    }
  }

  /**
   * Sends a request head and reads the response head. A failed write is ignored: the server may
   * answer and close before reading a large request, and what it said is then still read.
   */
  public HttpHead request(String method, String path, Map<String, String> headers) {
    try {
      write(RawHandshake.request(method, path, headers));
    } catch (UncheckedIOException refusedEarly) {
      // read what the server said
    }
    return readHttpHead(5);
  }

  public RawWebSocket write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends the frames in one write, so the server reads them together. */
  public RawWebSocket send(RawFrame... frames) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (RawFrame f : frames) {
      all.writeBytes(f.bytes());
    }
    return write(all.toByteArray());
  }

  /** Reads an HTTP response head; status -1 if the server closed before sending one. */
  public HttpHead readHttpHead(long seconds) {
    return HttpHead.parse(within(seconds, in::head));
  }

  /** Reads up to {@code n} bytes of an HTTP body (as many as come before EOF). */
  public byte[] readBytes(int n, long seconds) {
    return within(seconds, () -> in.bytes(n));
  }

  /** The next frame, or null when none began within {@code millis}; fails if the connection ended. */
  public Frame poll(long millis) {
    int b0;
    try {
      in.deadlineIn(millis * 1_000_000L);
      b0 = in.readByte();
    } catch (SocketTimeoutException e) {
      return null;
    } catch (IOException e) {
      throw new AssertionError("read failed: " + e, e);
    }
    if (b0 < 0) {
      throw new AssertionError("TCP connection ended (" + in.ended() + ")");
    }
    return within(5, () -> in.frameAfter(b0));
  }

  /** The first frame with this opcode, passing over others; null when the TCP connection ended first. */
  public Frame awaitFrame(int opcode, long seconds) {
    return within(seconds, () -> {
      for (Frame f; (f = in.frame()) != null; seen.add(f)) {
        if (f.opcode() == opcode) {
          return f;
        }
      }
      return null;
    });
  }

  /** The code of the server's close frame; fails if the connection ends without one. */
  public int awaitCloseCode(long seconds) {
    Frame f = awaitFrame(RawFrame.CLOSE, seconds);
    if (f == null) {
      throw new AssertionError("TCP closed without a close frame (other frames before: " + seen.size() + ")");
    }
    return f.closeCode();
  }

  /** The next text frame's content, passing over other frames; fails on a close frame, EOF or timeout. */
  public String awaitText(long seconds) {
    return awaitText("", seconds);
  }

  /** The first text frame containing {@code needle}, passing over other frames; fails as {@link #awaitText(long)}. */
  public String awaitText(String needle, long seconds) {
    return within(seconds, () -> {
      for (Frame f; (f = in.frame()) != null; seen.add(f)) {
        if (f.opcode() == RawFrame.CLOSE) {
          throw new AssertionError("closed with " + f.closeCode() + " while waiting for a text frame " + needle);
        }
        if (f.opcode() == RawFrame.TEXT && f.text().contains(needle)) {
          return f.text();
        }
      }
      throw new AssertionError("TCP closed while waiting for a text frame " + needle);
    });
  }

  /** The very next frame's content, which must be a text frame. */
  public String readText(long seconds) {
    Frame f = within(seconds, in::frame);
    if (f == null || f.opcode() != RawFrame.TEXT) {
      throw new AssertionError("not a text frame: " + (f == null ? "TCP closed" : f));
    }
    return f.text();
  }

  /** Waits for the server to end the TCP connection (EOF or reset), discarding what it sends; true if it did in time. */
  public boolean awaitTcpClose(long seconds) {
    return within(seconds, in::toEnd);
  }

  /**
   * Starts reading again: reads frames until the stream ends or {@code idleMillis} pass without a
   * byte. Answers the first close frame with a close frame (as a client should).
   */
  public Drain drain(int idleMillis) {
    long bytes = 0;
    int frames = 0;
    int closeCode = -1;
    in.idleTimeout(idleMillis * 1_000_000L);
    try {
      for (Frame f; (f = in.frame()) != null; ) {
        frames++;
        bytes += f.payload().length + 2;
        if (f.opcode() == RawFrame.CLOSE && closeCode == -1) {
          closeCode = f.closeCode();
          try {
            send(RawFrame.frame(RawFrame.CLOSE, closeCode == -1 ? new byte[0] : RawFrame.closePayload(closeCode, "")));
          } catch (UncheckedIOException e) {
            // the server may have closed already
          }
        }
      }
      return new Drain(bytes, frames, closeCode, in.ended());
    } catch (EOFException e) { // in the middle of a frame
      return new Drain(bytes, frames, closeCode, in.ended());
    } catch (SocketTimeoutException e) {
      return new Drain(bytes, frames, closeCode, "timeout");
    } catch (IOException e) {
      return new Drain(bytes, frames, closeCode, "error: " + e);
    }
  }

  /**
   * One probe of whether the server has closed its end, made without reading: sends a pong frame
   * (a live server takes it as mere traffic). Once a peer that closed its socket has answered
   * such a write with a reset, the next write fails; so call it repeatedly.
   */
  public boolean writeFails() {
    try {
      send(RawFrame.frame(RawFrame.PONG, new byte[0]));
      return false;
    } catch (UncheckedIOException e) {
      return true;
    }
  }

  /** Runs a read with a deadline {@code seconds} from now; a timeout or an I/O error fails the test. */
  private <T> T within(long seconds, Read<T> read) {
    in.deadlineIn(seconds * 1_000_000_000L);
    try {
      return read.run();
    } catch (SocketTimeoutException e) {
      throw new AssertionError("read timed out");
    } catch (IOException e) {
      throw new AssertionError("read failed: " + e, e);
    }
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
