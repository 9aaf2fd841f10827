package dev.gateway.auth;

import dev.gateway.config.GatewayConfig;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which addresses clients may subscribe, publish and send to. Patterns are globs where
 * {@code *} matches any run of characters (dots included); anything else matches literally.
 * The internal namespace is never reachable by clients, whatever the patterns say.
 */
public final class Permissions {

  /** Address prefixes reserved for the gateway and Vert.x itself. */
  public static final List<String> INTERNAL_PREFIXES = List.of("gateway.internal.", "__vertx.");

  private final List<Pattern> subscribe;
  private final List<Pattern> publish;
  private final List<Pattern> send;
  private final List<Pattern> services;

  public Permissions(GatewayConfig.Permissions config) {
    this(config.subscribe(), config.publish(), config.send());
  }

  public Permissions(List<String> subscribe, List<String> publish, List<String> send) {
    this.subscribe = compile(subscribe);
    this.publish = compile(publish);
    this.send = compile(send);
    this.services = compile(send.stream().filter(p -> !p.equals("*")).toList());
  }

  /**
   * A service address: one named by a send pattern (a bare {@code *} names none). Clients may
   * not register to services: they would share the service's point-to-point traffic.
   */
  public boolean isService(String address) {
    return allowed(services, address);
  }

  /**
   * A channel of these (the configured) permissions: inside the subscribe patterns and not a
   * service. Start-up refuses subscribe patterns that overlap send patterns, unless a bare
   * {@code *} was allowed explicitly; the service rule then still keeps the send addresses out.
   */
  public boolean isChannel(String address) {
    return maySubscribe(address) && !isService(address);
  }

  public boolean maySubscribe(String address) {
    return allowed(subscribe, address);
  }

  public boolean mayPublish(String address) {
    return allowed(publish, address);
  }

  public boolean maySend(String address) {
    return allowed(send, address);
  }

  /** True for addresses in the gateway's or Vert.x's own namespace. */
  public static boolean isInternal(String address) {
    for (String p : INTERNAL_PREFIXES) {
      if (address.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  private static boolean allowed(List<Pattern> patterns, String address) {
    if (isInternal(address)) {
      return false;
    }
    for (Pattern p : patterns) {
      if (p.matcher(address).matches()) {
        return true;
      }
    }
    return false;
  }

  static List<Pattern> compile(List<String> globs) {
    return globs.stream().map(Permissions::glob).toList();
  }

  /** A glob as a regular expression: {@code *} matches any run of characters, the rest literally. */
  public static Pattern globPattern(String glob) {
    return glob(glob);
  }

  static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    int start = 0;
    for (int i = glob.indexOf('*'); i >= 0; i = glob.indexOf('*', start)) {
      if (i > start) {
        re.append(Pattern.quote(glob.substring(start, i)));
      }
      re.append(".*");
      start = i + 1;
    }
    if (start < glob.length()) {
      re.append(Pattern.quote(glob.substring(start)));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
