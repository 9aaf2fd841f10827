package dev.gateway.connection;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain {@link Socket} for slow-consumer tests: after the handshake and
 * whatever the test reads explicitly, nothing reads the socket, so the kernel's small receive
 * window fills and the server's writes back up (unlike a Vert.x client, whose {@code pause()}
 * only stops delivery to the handler and keeps reading until its inbound queue is full).
 *
 * <p>Reads are unbuffered: not a byte more than asked for leaves the kernel.
 */
final class RawWebSocket implements AutoCloseable {

  static final int OP_TEXT = 1;
  static final int OP_CLOSE = 8;
  static final int OP_PONG = 10;

  /** A frame read from the server (the server never masks). */
  record Frame(int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame, or -1. */
    int closeCode() {
      return opcode == OP_CLOSE && payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
    }
  }

  /** What {@link #drain} found: bytes read, the close code of the first close frame (or -1), how it ended. */
  record Drain(long bytes, int frames, int closeCode, String end) {
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /**
   * Connects to 127.0.0.1:port with the given receive buffer (set before connect, so the
   * advertised window is small) and completes the upgrade on {@code path}.
   */
  static RawWebSocket connect(int port, String path, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(receiveBuffer);
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(10_000);
    RawWebSocket ws = new RawWebSocket(s);
    ws.handshake(port, path);
    return ws;
  }

  private void handshake(int port, String path) throws IOException {
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) { // byte by byte: never read past the response
      int b = in.read();
      if (b < 0) {
        throw new EOFException("server closed during the handshake: " + head);
      }
      head.append((char) b);
      if (head.length() > 8192) {
        throw new IOException("handshake response too long");
      }
    }
    String response = head.toString();
    if (!response.startsWith("HTTP/1.1 101")) {
      throw new IOException("upgrade refused: " + response.lines().findFirst().orElse(""));
    }
    if (!response.toLowerCase().contains("sec-websocket-accept: " + accept(key).toLowerCase())) {
      throw new IOException("bad Sec-WebSocket-Accept in " + response);
    }
  }

  private static String accept(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      byte[] digest = sha1.digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sends one masked text frame. */
  void sendText(String text) throws IOException {
    sendFrame(OP_TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends a masked close frame with the given code. */
  void sendClose(int code) throws IOException {
    sendFrame(OP_CLOSE, new byte[] {(byte) (code >> 8), (byte) code});
  }

  private void sendFrame(int opcode, byte[] payload) throws IOException {
    int len = payload.length;
    byte[] header;
    if (len < 126) {
      header = new byte[] {(byte) (0x80 | opcode), (byte) (0x80 | len)};
    } else if (len < 65536) {
      header = new byte[] {(byte) (0x80 | opcode), (byte) (0x80 | 126), (byte) (len >> 8), (byte) len};
    } else {
      throw new IllegalArgumentException("test frames stay under 64 KiB");
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    byte[] masked = new byte[len];
    for (int i = 0; i < len; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    out.write(header);
    out.write(mask);
    out.write(masked);
    out.flush();
  }

  /** Reads exactly one frame (blocking, bounded by the socket timeout). */
  Frame readFrame() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    if ((b1 & 0x80) != 0) {
      throw new IOException("server frames must not be masked");
    }
    if (len > 16 * 1024 * 1024) {
      throw new IOException("frame too long: " + len);
    }
    byte[] payload = new byte[(int) len];
    in.readFully(payload);
    return new Frame(b0 & 0x0f, payload);
  }

  /** Reads frames until a text frame contains {@code needle}; other frames are skipped. */
  Frame awaitText(String needle) throws IOException {
    while (true) {
      Frame f = readFrame();
      if (f.opcode() == OP_CLOSE) {
        throw new IOException("closed with " + f.closeCode() + " while waiting for " + needle);
      }
      if (f.opcode() == OP_TEXT && f.text().contains(needle)) {
        return f;
      }
    }
  }

  /**
   * Starts reading again: reads frames until the stream ends or {@code timeoutMs} passes
   * without a byte. Answers the first close frame with a close frame (as a client should).
   */
  Drain drain(int timeoutMs) {
    long bytes = 0;
    int frames = 0;
    int closeCode = -1;
    try {
      socket.setSoTimeout(timeoutMs);
      while (true) {
        Frame f = readFrame();
        frames++;
        bytes += f.payload().length + 2;
        if (f.opcode() == OP_CLOSE && closeCode == -1) {
          closeCode = f.closeCode();
          try {
            sendClose(closeCode);
          } catch (IOException e) {
            // the server may have closed already
          }
        }
      }
    } catch (EOFException e) {
      return new Drain(bytes, frames, closeCode, "eof");
    } catch (SocketTimeoutException e) {
      return new Drain(bytes, frames, closeCode, "timeout");
    } catch (SocketException e) {
      return new Drain(bytes, frames, closeCode, "reset: " + e.getMessage());
    } catch (IOException e) {
      return new Drain(bytes, frames, closeCode, "error: " + e);
    }
  }

  /**
   * One probe of whether the server has closed its end, made without reading: sends a pong frame
   * (a live server takes it as mere traffic). Once a peer that closed its socket has answered
   * such a write with a reset, the next write fails; so call it repeatedly.
   */
  boolean writeFails() {
    try {
      sendFrame(OP_PONG, new byte[0]);
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // best effort
    }
  }
}
