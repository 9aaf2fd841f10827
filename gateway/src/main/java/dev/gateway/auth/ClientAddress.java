package dev.gateway.auth;

import dev.gateway.config.AddressRange;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The address of the client behind a request, for decisions made by address (the publish API's
 * loopback rule). {@code X-Forwarded-For} is believed only as far as trusted proxies
 * ({@code security.trustedProxies}) vouch for it: when the TCP peer is a trusted proxy, the
 * header is read from the right (each proxy appends the address it got the request from),
 * trusted proxies are skipped, and the first other address is the client; if every hop is
 * trusted, the leftmost one. A peer that is not trusted may write anything in the header, so it
 * is ignored entirely. An entry that is not an IP literal where the walk needs one ends it: the
 * peer is the client then (garbage is never believed). Entries left of the client are never
 * read, so what a client writes itself cannot change the outcome.
 */
public final class ClientAddress {

  public static final String FORWARDED_FOR = "X-Forwarded-For";

  private final List<AddressRange> trustedProxies;

  /**
   * @param trustedProxies IP addresses and CIDR ranges of trusted proxies (empty: none)
   * @throws IllegalArgumentException when an entry is neither
   */
  public ClientAddress(List<String> trustedProxies) {
    List<AddressRange> ranges = new ArrayList<>();
    for (String p : trustedProxies) {
      ranges.add(AddressRange.parse(p));
    }
    this.trustedProxies = List.copyOf(ranges);
  }

  /**
   * The client address of a request, or null when it is unknown (the peer has no IP address, or
   * a trusted proxy forwarded an entry that is not one).
   */
  public InetAddress resolve(HttpServerRequest request) {
    return resolve(request.remoteAddress(), request.headers().getAll(FORWARDED_FOR));
  }

  /**
   * @param peer the TCP peer
   * @param forwardedFor the values of every {@code X-Forwarded-For} header, in order
   */
  public InetAddress resolve(SocketAddress peer, List<String> forwardedFor) {
    InetAddress client = peer == null ? null : AddressRange.literal(peer.hostAddress());
    if (client == null || !trusted(client) || forwardedFor.isEmpty()) {
      return client;
    }
    List<String> hops = new ArrayList<>();
    for (String header : forwardedFor) {
      for (String hop : header.split(",", -1)) {
        hops.add(hop.trim());
      }
    }
    InetAddress leftmost = client;
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress hop = AddressRange.literal(hops.get(i));
      if (hop == null) {
        return null; // an entry that is not an IP address: the client is unknown
      }
      if (!trusted(hop)) {
        return hop;
      }
      leftmost = hop;
    }
    return leftmost;
  }

  /** The key per-address limits count under when the client address is unknown. */
  public static final String UNKNOWN = "unknown";

  /**
   * The key per-address limits count a client under: an IPv4 address itself, an IPv6 address's
   * /64 prefix (one subscriber usually gets a whole /64), {@link #UNKNOWN} when unknown.
   */
  public static String group(InetAddress address) {
    if (address == null) {
      return UNKNOWN;
    }
    byte[] b = address.getAddress();
    if (b.length == 4) {
      return address.getHostAddress();
    }
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < 8; i += 2) {
      key.append(Integer.toHexString(((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF))).append(':');
    }
    return key.append(":/64").toString();
  }

  /** Whether the address is one of the trusted proxies. */
  public boolean trusted(InetAddress address) {
    for (AddressRange r : trustedProxies) {
      if (r.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
