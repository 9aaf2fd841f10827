package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A WebSocket client on a plain socket, for what a library client cannot do: look at the raw
 * handshake answer, accept a handshake Netty's client would refuse, or put several frames in one
 * TCP write so the server reads them together.
 */
final class RawWebSocket implements AutoCloseable {

  /** RFC 6455 section 1.3 sample key and its accept value. */
  static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

  /** The response head: status, headers (names in lower case), and the text for messages. */
  record Response(int status, Map<String, String> headers, String head) {
  }

  final Socket socket;
  final Response response;

  private RawWebSocket(Socket socket, Response response) {
    this.socket = socket;
    this.response = response;
  }

  /** A WebSocket upgrade request for {@code /ws}; {@code protocols} null sends no subprotocol header. */
  static String handshake(int port, String protocols) {
    return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n"
        + (protocols == null ? "" : "Sec-WebSocket-Protocol: " + protocols + "\r\n") + "\r\n";
  }

  /** Opens a connection and performs the handshake; check {@code response.status()}. */
  static RawWebSocket connect(int port, String protocols) throws IOException {
    Socket s = open(port);
    try {
      return new RawWebSocket(s, request(s, handshake(port, protocols)));
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** Sends one raw HTTP request on a fresh connection and returns the response head. */
  static Response exchange(int port, String request) throws IOException {
    try (Socket s = open(port)) {
      return request(s, request);
    }
  }

  private static Socket open(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(5000);
    return s;
  }

  private static Response request(Socket s, String request) throws IOException {
    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      head.write(b);
      if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        break;
      }
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    String[] lines = text.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    return new Response(status, headers, text);
  }

  /** Sends the texts as masked text frames (each under 126 bytes), all in one write. */
  void sendTogether(String... texts) throws IOException {
    byte[] mask = {0x12, 0x34, 0x56, 0x78};
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    for (String text : texts) {
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      if (payload.length > 125) {
        throw new IllegalArgumentException("frame too long for this helper");
      }
      frames.write(0x81);
      frames.write(0x80 | payload.length);
      frames.write(mask);
      for (int i = 0; i < payload.length; i++) {
        frames.write(payload[i] ^ mask[i % 4]);
      }
    }
    socket.getOutputStream().write(frames.toByteArray());
    socket.getOutputStream().flush();
  }

  /** Reads one unmasked text frame from the server (payload under 64 KiB). */
  String readText() throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    int opcode = in.readUnsignedByte() & 0x0F;
    assertEquals(1, opcode, "not a text frame");
    int len = in.readUnsignedByte() & 0x7F;
    if (len == 126) {
      len = in.readUnsignedShort();
    }
    byte[] payload = new byte[len];
    in.readFully(payload);
    return new String(payload, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
