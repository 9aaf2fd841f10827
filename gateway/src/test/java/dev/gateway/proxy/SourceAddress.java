package dev.gateway.proxy;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.TimeUnit;

/**
 * A non-loopback address of this host a test client can connect from (to servers on 127.0.0.1),
 * so the gateway and nginx see a remote-looking client on one box.
 *
 * <p>As root: {@value #ADDRESS}/32 (TEST-NET-2) is added to {@code lo} and removed on close. (A
 * {@code dummy} interface would do the same, but this kernel has no dummy driver; an extra
 * address on {@code lo} needs nothing but CAP_NET_ADMIN.) Otherwise an existing non-loopback IPv4
 * address of an interface that is up. {@link #acquire} returns null when neither works.
 */
final class SourceAddress implements AutoCloseable {

  static final String ADDRESS = "198.51.100.7";

  final String address;
  private final boolean added;

  private SourceAddress(String address, boolean added) {
    this.address = address;
    this.added = added;
  }

  static SourceAddress acquire() {
    SourceAddress alias = addAlias();
    if (alias != null) {
      if (usable(alias.address)) {
        return alias;
      }
      alias.close();
    }
    String existing = existingNonLoopback();
    return existing != null && usable(existing) ? new SourceAddress(existing, false) : null;
  }

  private static SourceAddress addAlias() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return null;
    }
    String out = ip("addr", "add", ADDRESS + "/32", "dev", "lo");
    if (out == null) {
      return new SourceAddress(ADDRESS, true);
    }
    // left by an earlier run that was killed: use it, and remove it afterwards too
    return out.contains("File exists") ? new SourceAddress(ADDRESS, true) : null;
  }

  /** Runs {@code ip ARGS}; null on success, else its output. */
  private static String ip(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "ip";
    System.arraycopy(args, 0, command, 1, args.length);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.exitValue() == 0 ? null : out;
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  private static String existingNonLoopback() {
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (nif.isUp() && !nif.isLoopback()) {
          for (InetAddress a : Collections.list(nif.getInetAddresses())) {
            if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
              return a.getHostAddress();
            }
          }
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /** Whether a socket bound to the address reaches a server on 127.0.0.1, seen from there. */
  private static boolean usable(String address) {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         Socket client = new Socket()) {
      client.bind(new InetSocketAddress(address, 0));
      client.connect(server.getLocalSocketAddress(), 2_000);
      server.setSoTimeout(2_000);
      try (Socket accepted = server.accept()) {
        return accepted.getInetAddress().getHostAddress().equals(address);
      }
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (added) {
      ip("addr", "del", ADDRESS + "/32", "dev", "lo");
    }
  }
}
