package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Native WebSocket heartbeat (ping after 300 ms of silence, close 4002 when nothing comes back
 * within 300 ms), with a Vert.x client (answers pings by itself) and raw sockets.
 */
class HeartbeatTest {

  private static final String OPEN = "gateway_connections{transport=\"websocket\"}";
  private static final String TIMED_OUT =
      "gateway_connections_closed_total{reason=\"heartbeat_timeout\",transport=\"websocket\"}";

  static TestGateway gateway;
  static Vertx client;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(new JsonObject()
        .put("demo", new JsonObject().put("enabled", false))
        .put("limits", new JsonObject().put("pingIntervalMs", 300).put("pongTimeoutMs", 300)));
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    client.close();
    gateway.close();
  }

  @Test
  void clientAnsweringPingsStaysConnected() {
    double timedOut = gateway.metric(TIMED_OUT);
    try (BridgeClient c = BridgeClient.connect(client, gateway.port)) {
      c.register("chat.hb");
      // silent for 3 s: ten ping intervals, every ping answered by the client's automatic pong
      assertNull(c.awaitClose(3), "closed with " + c.closeReason());
      c.publish("chat.hb", "alive");
      assertNotNull(c.awaitRec("chat.hb", 5), "connection no longer usable");
    }
    assertEquals(timedOut, gateway.metric(TIMED_OUT), 0.0);
  }

  @Test
  void rawClientAnsweringPingsWithPongsStaysConnected() throws IOException {
    double timedOut = gateway.metric(TIMED_OUT);
    try (RawWebSocket ws = RawWebSocket.open(gateway.port)) {
      int pings = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < deadline) {
        Frame f = ws.read(100);
        if (f == null) {
          continue;
        }
        assertEquals(0x9, f.opcode, "only pings expected, got " + f);
        pings++;
        ws.write(0xA, f.payload); // pong with the ping's payload
      }
      assertTrue(pings >= 2, "pings seen in 3 s: " + pings);
    }
    assertEquals(timedOut, gateway.metric(TIMED_OUT), 0.0, "a pong-answering client timed out");
  }

  @Test
  void silentClientClosedWith4002() throws Exception {
    awaitMetric(OPEN, 0);
    double timedOut = gateway.metric(TIMED_OUT);
    try (RawWebSocket ws = RawWebSocket.open(gateway.port)) {
      awaitMetric(OPEN, 1);
      // never read, never answer: the server pings, then gives up
      awaitMetric(TIMED_OUT, timedOut + 1);
      awaitMetric(OPEN, 0);
      // what the server wrote is waiting in the socket buffer: a ping, then close 4002
      Frame ping = ws.read(2_000);
      assertNotNull(ping, "nothing received");
      assertEquals(0x9, ping.opcode, "first frame " + ping);
      Frame close = ws.read(2_000);
      while (close != null && close.opcode == 0x9) {
        close = ws.read(2_000);
      }
      assertNotNull(close, "no close frame");
      assertEquals(0x8, close.opcode, "frame " + close);
      int code = ((close.payload[0] & 0xFF) << 8) | (close.payload[1] & 0xFF);
      assertEquals(4002, code, "close " + close);
    }
  }

  private static void awaitMetric(String sample, double expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (gateway.metric(sample) != expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(expected, gateway.metric(sample), 0.0, sample);
  }

  record Frame(int opcode, byte[] payload) {
    @Override
    public String toString() {
      return "Frame[opcode=" + opcode + ", " + new String(payload, StandardCharsets.UTF_8) + "]";
    }
  }

  /** A WebSocket client on a plain socket: upgrade by hand, frames read and written by hand. */
  static final class RawWebSocket implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    static RawWebSocket open(int port) throws IOException {
      Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
      RawWebSocket ws = new RawWebSocket(s);
      ws.out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      ws.out.flush();
      s.setSoTimeout(5_000);
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) ws.in.readUnsignedByte());
      }
      if (!head.toString().startsWith("HTTP/1.1 101")) {
        s.close();
        throw new IOException("no upgrade: " + head);
      }
      return ws;
    }

    /** The next frame, or null when none arrived within the timeout. */
    Frame read(int timeoutMs) throws IOException {
      socket.setSoTimeout(timeoutMs);
      int b0;
      try {
        b0 = in.readUnsignedByte();
      } catch (SocketTimeoutException e) {
        return null;
      }
      socket.setSoTimeout(5_000);
      int b1 = in.readUnsignedByte();
      long len = b1 & 0x7F;
      if (len == 126) {
        len = in.readUnsignedShort();
      } else if (len == 127) {
        len = in.readLong();
      }
      byte[] payload = new byte[(int) len];
      in.readFully(payload);
      return new Frame(b0 & 0x0F, payload);
    }

    /** Writes one final, masked frame. */
    void write(int opcode, byte[] payload) throws IOException {
      byte[] mask = {0x11, 0x22, 0x33, 0x44};
      byte[] frame = new byte[6 + payload.length];
      frame[0] = (byte) (0x80 | opcode);
      frame[1] = (byte) (0x80 | payload.length); // control frames: <= 125 bytes
      System.arraycopy(mask, 0, frame, 2, 4);
      for (int i = 0; i < payload.length; i++) {
        frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
      }
      out.write(frame);
      out.flush();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
