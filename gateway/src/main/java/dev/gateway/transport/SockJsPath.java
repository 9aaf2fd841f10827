package dev.gateway.transport;

/**
 * The parts of a SockJS session URL, {@code /eventbus/SERVER/SESSION/TRANSPORT} (query
 * ignored). One parser for every place that routes SockJS requests by session.
 */
public record SockJsPath(String session, String transport) {

  /** The session and transport of a session URL, or null for any other path. */
  public static SockJsPath parse(String uri) {
    if (uri == null) {
      return null;
    }
    int q = uri.indexOf('?');
    String[] parts = (q >= 0 ? uri.substring(0, q) : uri).split("/");
    return parts.length == 5 ? new SockJsPath(parts[3], parts[4]) : null;
  }
}
