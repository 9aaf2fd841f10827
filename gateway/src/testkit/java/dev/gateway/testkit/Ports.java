package dev.gateway.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
   * Hazelcast's port count (a member whose base port is taken tries up to this many after it):
   * ranges are handed out in blocks of this size, so clusters of this run never overlap.
   */
  static final int BLOCK = 20;
  /** Ports 20000-31999: below Linux's ephemeral range, so no outgoing connection takes one. */
  static final int RANGE_START = 20_000;
  static final int RANGE_SIZE = 12_000;
  /** Test forks that run side by side get disjoint slices of the range. */
  static final int SLICES = 4;
  /**
   * The Surefire/Failsafe fork this JVM is ({@code -Dgateway.test.fork=${surefire.forkNumber}},
   * 1-based), or 0 outside a numbered fork (the whole range then).
   */
  static final int FORK = Integer.getInteger("gateway.test.fork", 0);
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * A base port with the {@code count - 1} ports after it free too ({@code count} at most
   * {@value #BLOCK}), below Linux's ephemeral range (so an outgoing connection does not take one
   * of them meanwhile). Hazelcast's TCP/IP join tries a member's base port and the next two when
   * it is listed without a port. The base is the start of a block of {@value #BLOCK} ports that
   * no other call in this JVM got, in this fork's slice of the range: forks running side by side
   * cannot pick overlapping ranges while their members are still starting (before the ports are
   * bound, a free-port check cannot see them).
   */
  public static int freeRange(int count) {
    if (count < 1 || count > BLOCK) {
      throw new IllegalArgumentException("count must be 1.." + BLOCK + ": " + count);
    }
    int sliceSize = FORK > 0 ? RANGE_SIZE / SLICES : RANGE_SIZE;
    int sliceStart = RANGE_START + (FORK > 0 ? ((FORK - 1) % SLICES) * sliceSize : 0);
    int blocks = sliceSize / BLOCK;
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = sliceStart + BLOCK * ThreadLocalRandom.current().nextInt(blocks);
      if (!HANDED_OUT.add(base)) {
        if (HANDED_OUT.size() >= blocks) {
          HANDED_OUT.clear(); // a long run used every block once: their clusters are long gone
        }
        continue;
      }
      boolean free = true;
      for (int i = 0; i < count && free; i++) {
        free = isFree(base + i);
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports on 127.0.0.1 in "
        + sliceStart + "-" + (sliceStart + sliceSize - 1));
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
