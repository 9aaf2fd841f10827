package dev.gateway.support;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A non-loopback address of this host a test client can connect from (to servers on 127.0.0.1),
 * so the gateway (or nginx) sees a remote-looking client on one box.
 *
 * <p>As root: an address of TEST-NET-2 (198.51.100.0/24, one this run picks and no other holds)
 * is added to {@code lo} as a /32 and removed on close. (A {@code dummy} interface would do the
 * same, but this kernel has no dummy driver; an extra address on {@code lo} needs nothing but
 * CAP_NET_ADMIN.) Otherwise an existing non-loopback IPv4 address of an interface that is up.
 * {@link #require} fails the test, saying what it needs, when neither works.
 */
public final class SourceAddress implements AutoCloseable {

  public final String address;
  private final boolean added;

  private SourceAddress(String address, boolean added) {
    this.address = address;
    this.added = added;
  }

  /** What a test says when this host gives it no source address. */
  public static final String NEEDED = "this test needs a non-loopback IPv4 source address: run it"
      + " as root (it adds one of 198.51.100.0/24 to lo with `ip addr add`, iproute2), or give an"
      + " interface that is up a non-loopback IPv4 address";

  /** A usable non-loopback source address; fails the calling test when this host cannot give one. */
  public static SourceAddress require() {
    SourceAddress source = acquire();
    if (source == null) {
      throw new AssertionError(NEEDED);
    }
    return source;
  }

  /**
   * A usable non-loopback source address, or null: the caller then fails the tests that need one
   * with {@link #NEEDED}.
   */
  public static SourceAddress acquire() {
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

  /** Adds an address of 198.51.100.0/24 no one holds yet (other test runs may hold some). */
  private static SourceAddress addAlias() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return null;
    }
    for (int attempt = 0; attempt < 20; attempt++) {
      String address = "198.51.100." + (2 + ThreadLocalRandom.current().nextInt(250));
      String out = ip("addr", "add", address + "/32", "dev", "lo");
      if (out == null) {
        return new SourceAddress(address, true);
      }
      if (!out.contains("File exists")) {
        return null;
      }
    }
    return null;
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
      ip("addr", "del", address + "/32", "dev", "lo");
    }
  }
}
