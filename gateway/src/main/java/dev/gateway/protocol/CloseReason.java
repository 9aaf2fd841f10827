package dev.gateway.protocol;

/**
 * Why a connection ended: the WebSocket close code sent (SockJS sends the same code in its
 * {@code c[code,"reason"]} frame), the metric tag, and whether the client should reconnect.
 * Gateway codes use the private range: 4000-4499 mean "reconnect (with backoff)", 4500-4999
 * mean "do not reconnect without changing something". The close-code table of docs/protocol.md
 * mirrors this (a test keeps them in step).
 */
public enum CloseReason {
  /** The client closed the connection, or went away. */
  CLIENT_CLOSED(1000, "client_closed", "closed by client", true),
  /** The node is shutting down or draining; connect again (to another node). */
  SHUTDOWN(1001, "shutdown", "server shutting down", true),
  /** A WebSocket protocol violation. */
  PROTOCOL_ERROR(1002, "protocol_error", "protocol error", false),
  /** A binary frame: the gateway speaks JSON text only. */
  UNSUPPORTED_DATA(1003, "unsupported_data", "binary frames are not supported", false),
  /** A text frame that is not valid UTF-8. */
  BAD_PAYLOAD(1007, "bad_payload", "invalid payload", false),
  /** A handshake or first message without valid credentials. */
  UNAUTHORIZED(1008, "unauthorized", "unauthorized", false),
  /** A message or frame above the configured size limit. */
  TOO_BIG(1009, "too_big", "message too big", false),
  /** An unexpected server-side failure. */
  INTERNAL_ERROR(1011, "internal_error", "internal error", true),
  /** The outbound queue stayed full past the slow-consumer timeout. */
  SLOW_CONSUMER(4000, "slow_consumer", "slow consumer", true),
  /** The connection ended because the transport failed (reset, timeout). */
  TRANSPORT_ERROR(4001, "transport_error", "transport error", true),
  /** No pong (or other traffic) within the pong timeout after a ping. */
  HEARTBEAT_TIMEOUT(4002, "heartbeat_timeout", "heartbeat timeout", true),
  /** The client kept sending above its rate limit. */
  RATE_LIMITED(4003, "rate_limited", "rate limit exceeded", true),
  /** The client's token expired: reconnect with a fresh token. */
  TOKEN_EXPIRED(4004, "token_expired", "token expired", true),
  /** The client's token was revoked: do not reconnect with it. */
  TOKEN_REVOKED(4501, "token_revoked", "token revoked", false),
  /** A backend disconnected the user ({@code POST /api/users/disconnect}): do not reconnect. */
  DISCONNECTED(4503, "disconnected", "disconnected", false);

  /** The most bytes of UTF-8 a close frame's reason may take (125 bytes less the code's 2). */
  public static final int MAX_TEXT_BYTES = 123;

  private final int code;
  private final String tag;
  private final String text;
  private final boolean reconnect;

  CloseReason(int code, String tag, String text, boolean reconnect) {
    this.code = code;
    this.tag = tag;
    this.text = text;
    this.reconnect = reconnect;
  }

  /** The WebSocket close code. */
  public int code() {
    return code;
  }

  /** Low-cardinality metric tag value. */
  public String tag() {
    return tag;
  }

  /** Close reason text sent to the client. */
  public String text() {
    return text;
  }

  /** Whether a client should reconnect after this close. */
  public boolean reconnect() {
    return reconnect;
  }

  /**
   * {@code text} cut to at most {@link #MAX_TEXT_BYTES} bytes of UTF-8, at a character boundary
   * (a surrogate pair is kept whole or left out whole); unpaired surrogates, which have no UTF-8
   * form, become U+FFFD first.
   */
  public static String fit(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_TEXT_BYTES));
    int bytes = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int n = Character.charCount(cp);
      if (Character.isSurrogate((char) cp)) {
        cp = 0xFFFD; // a lone surrogate
      }
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + size > MAX_TEXT_BYTES) {
        break;
      }
      out.appendCodePoint(cp);
      bytes += size;
      i += n;
    }
    return out.toString();
  }
}
