package dev.gateway.transport.sockjs;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a request under the SockJS prefix is: the one parser of SockJS paths. It reads the raw
 * path exactly as the client sent it (no percent-decoding, no dot-segment or slash folding), so
 * a path means one thing only: {@code /eventbus/000/x/xhr%5Fstreaming} is not a streaming
 * request but nothing (404), and nothing downstream re-parses the path. Everything after the
 * parse uses its result.
 *
 * <p>Session paths are {@code PREFIX/SERVER/SESSION/TRANSPORT}: SERVER and SESSION are non-empty,
 * contain no dot and no slash (SockJS); SESSION is at most {@link #MAX_SESSION_ID} characters.
 */
public record SockJsRequest(Kind kind, String session, Transport transport) {

  /** Longest session id accepted (sockjs-client uses 8 characters). */
  public static final int MAX_SESSION_ID = 64;

  /** The kinds of SockJS requests. */
  public enum Kind {
    /** {@code PREFIX} or {@code PREFIX/}: "Welcome to SockJS!". */
    GREETING,
    /** {@code PREFIX/info}. */
    INFO,
    /** {@code PREFIX/iframe.html}, {@code PREFIX/iframe-VERSION.html}. */
    IFRAME,
    /** {@code PREFIX/websocket}: a plain WebSocket without SockJS framing. */
    RAW_WEBSOCKET,
    /** {@code PREFIX/SERVER/SESSION/TRANSPORT}. */
    SESSION,
    /** Anything else: 404. */
    NOT_FOUND
  }

  /** The last segment of a session path. */
  public enum Transport {
    WEBSOCKET("websocket", true),
    XHR("xhr", true),
    XHR_STREAMING("xhr_streaming", true),
    XHR_SEND("xhr_send", false),
    EVENTSOURCE("eventsource", true),
    HTMLFILE("htmlfile", true),
    JSONP("jsonp", true),
    JSONP_SEND("jsonp_send", false);

    private final String segment;
    private final boolean receiving;

    Transport(String segment, boolean receiving) {
      this.segment = segment;
      this.receiving = receiving;
    }

    /** The URL segment naming it. */
    public String segment() {
      return segment;
    }

    /** True for the requests that receive (and may open a session); false for the sends. */
    public boolean receiving() {
      return receiving;
    }
  }

  private static final SockJsRequest GREETING_REQUEST = new SockJsRequest(Kind.GREETING, null, null);
  private static final SockJsRequest INFO_REQUEST = new SockJsRequest(Kind.INFO, null, null);
  private static final SockJsRequest IFRAME_REQUEST = new SockJsRequest(Kind.IFRAME, null, null);
  private static final SockJsRequest RAW_REQUEST = new SockJsRequest(Kind.RAW_WEBSOCKET, null, null);
  private static final SockJsRequest NOT_FOUND_REQUEST = new SockJsRequest(Kind.NOT_FOUND, null, null);
  private static final Pattern IFRAME = Pattern.compile("iframe(-[^/]*)?\\.html");
  private static final Map<String, Transport> TRANSPORTS = Map.of(
      "websocket", Transport.WEBSOCKET, "xhr", Transport.XHR,
      "xhr_streaming", Transport.XHR_STREAMING, "xhr_send", Transport.XHR_SEND,
      "eventsource", Transport.EVENTSOURCE, "htmlfile", Transport.HTMLFILE,
      "jsonp", Transport.JSONP, "jsonp_send", Transport.JSONP_SEND);

  /**
   * Parses a raw request path (no query) under {@code prefix}, or answers null when the path is
   * not under the prefix at all ({@code /eventbusx}, {@code /other}).
   */
  public static SockJsRequest parse(String prefix, String rawPath) {
    if (rawPath == null || !rawPath.startsWith(prefix)) {
      return null;
    }
    String rest = rawPath.substring(prefix.length());
    if (rest.isEmpty() || rest.equals("/")) {
      return GREETING_REQUEST;
    }
    if (rest.charAt(0) != '/') {
      return null; // /eventbusx: another path
    }
    rest = rest.substring(1);
    if (rest.equals("info")) {
      return INFO_REQUEST;
    }
    if (rest.equals("websocket")) {
      return RAW_REQUEST;
    }
    if (IFRAME.matcher(rest).matches()) {
      return IFRAME_REQUEST;
    }
    String[] parts = rest.split("/", -1);
    if (parts.length != 3 || !segment(parts[0]) || !segment(parts[1])
        || parts[1].length() > MAX_SESSION_ID) {
      return NOT_FOUND_REQUEST;
    }
    Transport transport = TRANSPORTS.get(parts[2]);
    if (transport == null) {
      return NOT_FOUND_REQUEST;
    }
    return new SockJsRequest(Kind.SESSION, parts[1], transport);
  }

  private static boolean segment(String s) {
    return !s.isEmpty() && s.indexOf('.') < 0;
  }
}
