package dev.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.config.AddressRange;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which address a request is from: {@code X-Forwarded-For} counts only through trusted proxies,
 * read from the right, and never past an entry that is not an IP address.
 */
class ClientAddressTest {

  private static final ClientAddress PROXIES =
      new ClientAddress(List.of("10.0.0.0/8", "192.168.1.1", "2001:db8:1::/48"));

  private static SocketAddress peer(String ip) {
    return SocketAddress.inetSocketAddress(40_000, ip);
  }

  private static InetAddress ip(String literal) {
    return AddressRange.literal(literal);
  }

  private static InetAddress resolve(ClientAddress c, String peer, String... forwardedFor) {
    return c.resolve(peer(peer), List.of(forwardedFor));
  }

  @Test
  void untrustedPeerIsTheClientWhateverItForwards() {
    assertEquals(ip("203.0.113.5"), resolve(PROXIES, "203.0.113.5", "127.0.0.1"));
    assertEquals(ip("203.0.113.5"), resolve(PROXIES, "203.0.113.5", "10.0.0.1, 127.0.0.1"));
    assertFalse(Loopback.isLoopbackAddress(resolve(PROXIES, "203.0.113.5", "127.0.0.1")));
  }

  @Test
  void withoutTrustedProxiesTheHeaderIsIgnored() {
    ClientAddress none = new ClientAddress(List.of());
    assertEquals(ip("127.0.0.1"), resolve(none, "127.0.0.1", "203.0.113.9"));
    assertEquals(ip("10.0.0.2"), resolve(none, "10.0.0.2", "203.0.113.9"));
  }

  @Test
  void trustedPeerWithoutHeaderIsTheClient() {
    assertEquals(ip("10.0.0.2"), resolve(PROXIES, "10.0.0.2"));
  }

  @Test
  void trustedPeerGivesTheAddressItAppended() {
    // the client wrote "127.0.0.1" itself; the proxy appended the address it really came from
    assertEquals(ip("203.0.113.7"), resolve(PROXIES, "10.0.0.2", "127.0.0.1, 203.0.113.7"));
    assertFalse(Loopback.isLoopbackAddress(resolve(PROXIES, "10.0.0.2", "127.0.0.1, 203.0.113.7")));
  }

  @Test
  void chainOfProxiesIsWalkedFromTheRight() {
    assertEquals(ip("203.0.113.7"), resolve(PROXIES, "10.0.0.2",
        "198.51.100.1, 203.0.113.7, 192.168.1.1, 10.1.2.3"));
    // the same hops in several header lines, in order
    assertEquals(ip("203.0.113.7"), resolve(PROXIES, "10.0.0.2",
        "198.51.100.1, 203.0.113.7", "192.168.1.1", "10.1.2.3"));
    // a hop that is not trusted ends the walk, even with trusted ones further left
    assertEquals(ip("192.168.1.2"), resolve(PROXIES, "10.0.0.2", "10.9.9.9, 192.168.1.2, 10.1.2.3"));
  }

  @Test
  void everyHopTrustedGivesTheLeftmost() {
    assertEquals(ip("10.0.0.9"), resolve(PROXIES, "10.0.0.2", "10.0.0.9, 192.168.1.1, 10.0.0.8"));
  }

  @Test
  void ipv6ProxiesAndClients() {
    assertEquals(ip("2001:db8:ffff::7"), resolve(PROXIES, "2001:db8:1::5",
        "2001:db8:ffff::7, 2001:db8:1:0:0:0:0:9"));
    assertEquals(ip("2001:db8:ffff::7"), resolve(PROXIES, "2001:db8:1::5", "[2001:db8:ffff::7]"));
    // an IPv4 client behind an IPv6 proxy, and the reverse
    assertEquals(ip("203.0.113.7"), resolve(PROXIES, "2001:db8:1::5", "203.0.113.7"));
    assertEquals(ip("2001:db8:ffff::7"), resolve(PROXIES, "10.0.0.2", "2001:db8:ffff::7"));
    // ::1 through a trusted proxy is loopback, and an untrusted IPv6 peer's header is ignored
    assertTrue(Loopback.isLoopbackAddress(resolve(PROXIES, "2001:db8:1::5", "::1")));
    assertEquals(ip("2001:db8:2::5"), resolve(PROXIES, "2001:db8:2::5", "::1"));
  }

  @Test
  void ipv4MappedPeerIsMatchedAsIpv4() {
    assertEquals(ip("203.0.113.7"), resolve(PROXIES, "::ffff:10.0.0.2", "203.0.113.7"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "garbage", "203.0.113.7, garbage", "203.0.113.7,,10.0.0.3",
      "203.0.113.7:4711", "[2001:db8::7]:4711", "unknown", "localhost", "fe80::1%eth0",
      "203.0.113.7, 10.0.0.3,"})
  void malformedHopWhereTheWalkNeedsOneLeavesTheClientUnknown(String header) {
    assertNull(resolve(PROXIES, "10.0.0.2", header));
    // not the proxy either: a local proxy would otherwise make its clients loopback
    ClientAddress local = new ClientAddress(List.of("127.0.0.2"));
    assertFalse(Loopback.isLocalClient(peer("127.0.0.2"), resolve(local, "127.0.0.2", header)));
  }

  @Test
  void aRemoteTrustedProxyCannotMakeAClientLocal() {
    // 10.0.0.0/8 is trusted (an in-cluster ingress range): a pod in it sending "127.0.0.1" itself
    InetAddress resolved = resolve(PROXIES, "10.0.0.2", "127.0.0.1");
    assertTrue(Loopback.isLoopbackAddress(resolved), "the walk believes the trusted hop");
    assertFalse(Loopback.isLocalClient(peer("10.0.0.2"), resolved), "but the peer is not on this host");
    ClientAddress local = new ClientAddress(List.of("127.0.0.2"));
    assertTrue(Loopback.isLocalClient(peer("127.0.0.2"), resolve(local, "127.0.0.2", "127.0.0.1")));
    assertTrue(Loopback.isLocalClient(peer("127.0.0.1"), resolve(local, "127.0.0.1")));
  }

  @Test
  void garbageLeftOfTheClientIsNeverRead() {
    // what a client writes itself sits left of the address its proxy appended: it cannot
    // make the gateway fall back to the (possibly loopback) proxy
    assertEquals(ip("203.0.113.7"), resolve(PROXIES, "10.0.0.2", "garbage, 203.0.113.7"));
    ClientAddress local = new ClientAddress(List.of("127.0.0.2"));
    assertEquals(ip("198.51.100.7"), resolve(local, "127.0.0.2", "not-an-ip, 198.51.100.7"));
    assertFalse(Loopback.isLoopbackAddress(resolve(local, "127.0.0.2", "127.0.0.1, 198.51.100.7")));
    assertTrue(Loopback.isLoopbackAddress(resolve(local, "127.0.0.2", "198.51.100.7, 127.0.0.1")));
  }

  @Test
  void peerWithoutIpAddressHasNoClientAddress() {
    assertNull(PROXIES.resolve(null, List.of("203.0.113.7")));
    assertNull(PROXIES.resolve(SocketAddress.domainSocketAddress("/tmp/gw.sock"), List.of()));
    assertFalse(Loopback.isLoopbackAddress(null));
  }

  @Test
  void badProxyEntryIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ClientAddress(List.of("10.0.0.0/8", "proxy.internal")));
    assertTrue(e.getMessage().contains("proxy.internal"), e.getMessage());
  }
}
