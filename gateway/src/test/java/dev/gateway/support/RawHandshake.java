package dev.gateway.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hand-written HTTP/1.1 upgrade requests and the parsing of the answer's head, for
 * {@link RawWebSocket}: valid ones to start from, then any header added, changed or removed.
 */
public final class RawHandshake {

  /** RFC 6455 section 1.3 sample key and its accept value (a check independent of {@link #acceptFor}). */
  public static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  public static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private RawHandshake() {
  }

  /** The status line and headers (names lower-cased) of an HTTP response, and the head as received. */
  public record HttpHead(int status, Map<String, String> headers, String text) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Parses a response head; nothing at all (the server closed first) is status -1. */
    static HttpHead parse(byte[] head) {
      String text = new String(head, StandardCharsets.ISO_8859_1);
      if (text.isEmpty()) {
        return new HttpHead(-1, Map.of(), "");
      }
      String[] lines = text.split("\r\n");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).trim());
        }
      }
      return new HttpHead(Integer.parseInt(lines[0].split(" ", 3)[1]), headers, text);
    }

    @Override
    public String toString() {
      return status == -1 ? "(connection closed before a response)" : text.strip();
    }
  }

  /** A fresh random Sec-WebSocket-Key. */
  public static String newKey() {
    byte[] raw = new byte[16];
    ThreadLocalRandom.current().nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  /** The Sec-WebSocket-Accept a server must answer to {@code key}. */
  public static String acceptFor(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1")
          .digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The headers of a valid upgrade request (insertion-ordered, editable). */
  public static Map<String, String> upgradeHeaders(int port, String key) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Host", "127.0.0.1:" + port);
    h.put("Upgrade", "websocket");
    h.put("Connection", "Upgrade");
    h.put("Sec-WebSocket-Key", key);
    h.put("Sec-WebSocket-Version", "13");
    return h;
  }

  /** An HTTP/1.1 request head. */
  public static byte[] request(String method, String path, Map<String, String> headers) {
    StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}
