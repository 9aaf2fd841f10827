package dev.gateway.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Free ports on 127.0.0.1 for servers started by tests. */
public final class Ports {

  private Ports() {
  }

  /** A port free on 127.0.0.1 right now. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A base port with the {@code count - 1} ports after it free too, below Linux's ephemeral range
   * (so an outgoing connection does not take one of them meanwhile). Hazelcast's TCP/IP join tries
   * a member's base port and the next two when it is listed without a port.
   */
  public static int freeRange(int count) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
      boolean free = true;
      for (int i = 0; i < count && free; i++) {
        free = isFree(base + i);
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports on 127.0.0.1");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
