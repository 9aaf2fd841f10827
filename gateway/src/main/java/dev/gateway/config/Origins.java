package dev.gateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Origin parsing shared by configuration validation and the handshake gate. */
public final class Origins {

  private Origins() {
  }

  /**
   * Normalises {@code scheme://host[:port]} to lower case with the default port removed, or
   * returns null if the text is not such an origin (paths, user info, queries are refused).
   */
  public static String normalize(String origin) {
    if (origin == null) {
      return null;
    }
    try {
      URI u = new URI(origin.trim());
      String scheme = u.getScheme();
      String host = u.getHost();
      if (scheme == null || host == null || u.getRawUserInfo() != null
          || (u.getRawPath() != null && !u.getRawPath().isEmpty()) || u.getRawQuery() != null
          || u.getRawFragment() != null) {
        return null;
      }
      scheme = scheme.toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        return null;
      }
      int port = u.getPort();
      if (port == defaultPort(scheme)) {
        port = -1;
      }
      return scheme + "://" + host.toLowerCase(Locale.ROOT) + (port == -1 ? "" : ":" + port);
    } catch (URISyntaxException e) {
      return null;
    }
  }

  /** Default port of an http(s) scheme. */
  public static int defaultPort(String scheme) {
    return scheme.equals("https") ? 443 : 80;
  }
}
