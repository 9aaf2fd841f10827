package dev.gateway.auth;

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
