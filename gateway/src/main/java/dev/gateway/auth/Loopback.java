package dev.gateway.auth;

import dev.gateway.config.AddressRange;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Whether a peer is on this host: the one loopback check of the gateway. */
public final class Loopback {

  private Loopback() {
  }

  /** True for 127.0.0.0/8 and ::1 (IPv4-mapped addresses arrive here as IPv4). */
  public static boolean isLoopbackAddress(InetAddress address) {
    return address != null && address.isLoopbackAddress();
  }

  /**
   * True when a request comes from this host: its TCP peer is loopback and so is the client
   * address resolved behind it ({@link ClientAddress}; null when unknown). Requiring the peer
   * too means no proxy on another host can make a client count as local, whatever it forwards.
   */
  public static boolean isLocalClient(SocketAddress peer, InetAddress client) {
    return isLoopback(peer) && isLoopbackAddress(client);
  }

  /**
   * True when a {@code Host} header names this host by a loopback name or address:
   * {@code localhost}, an address of 127.0.0.0/8 or {@code [::1]}, each with or without a port.
   * A DNS-rebinding page reaches a loopback server under its own host name, and its browser
   * sends that name: it never passes. No name is looked up.
   */
  public static boolean isLoopbackHost(String host) {
    if (host == null) {
      return false;
    }
    String h = host.trim();
    String name;
    String port;
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      if (close < 0) {
        return false;
      }
      name = h.substring(1, close);
      port = h.substring(close + 1);
    } else {
      int colon = h.indexOf(':');
      name = colon < 0 ? h : h.substring(0, colon);
      port = colon < 0 ? "" : h.substring(colon);
    }
    if (!port.isEmpty() && !port.matches(":[0-9]{1,5}")) {
      return false;
    }
    if (name.equalsIgnoreCase("localhost")) {
      return true;
    }
    boolean bracketed = h.startsWith("[");
    InetAddress address = AddressRange.literal(name);
    // an IPv6 literal only in brackets, an IPv4 one only without
    return address != null && (bracketed == name.contains(":")) && address.isLoopbackAddress();
  }

  /** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback peers. */
  public static boolean isLoopback(SocketAddress address) {
    if (address == null || address.hostAddress() == null) {
      return false;
    }
    try {
      // a connection's peer is a literal IP address: no name lookup happens
      return InetAddress.getByName(address.hostAddress()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
