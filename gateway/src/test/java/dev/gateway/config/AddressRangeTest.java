package dev.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** IP addresses and CIDR ranges of {@code security.trustedProxies}, parsed without lookups. */
class AddressRangeTest {

  private static InetAddress ip(String literal) {
    InetAddress a = AddressRange.literal(literal);
    if (a == null) {
      throw new AssertionError("not a literal: " + literal);
    }
    return a;
  }

  private static boolean in(String range, String address) {
    return AddressRange.parse(range).contains(ip(address));
  }

  @Test
  void singleAddressesMatchThemselvesOnly() {
    assertTrue(in("192.0.2.1", "192.0.2.1"));
    assertFalse(in("192.0.2.1", "192.0.2.2"));
    assertTrue(in("2001:db8::1", "2001:db8:0:0::1"));
    assertFalse(in("2001:db8::1", "2001:db8::2"));
    assertTrue(in(" 10.0.0.5 ", "10.0.0.5"), "surrounding blanks are trimmed");
  }

  @Test
  void ipv4RangesHaveExactBoundaries() {
    assertTrue(in("10.1.0.0/16", "10.1.0.0"));
    assertTrue(in("10.1.0.0/16", "10.1.255.255"));
    assertFalse(in("10.1.0.0/16", "10.2.0.0"));
    assertFalse(in("10.1.0.0/16", "10.0.255.255"));
    // a prefix that is not a whole byte: 172.16.0.0/12 is 172.16.0.0 - 172.31.255.255
    assertTrue(in("172.16.0.0/12", "172.31.255.255"));
    assertFalse(in("172.16.0.0/12", "172.32.0.0"));
    assertFalse(in("172.16.0.0/12", "172.15.255.255"));
    assertTrue(in("0.0.0.0/0", "203.0.113.9"));
    assertTrue(in("10.1.2.3/8", "10.200.0.1"), "host bits after the prefix are ignored");
  }

  @Test
  void ipv6RangesHaveExactBoundaries() {
    assertTrue(in("2001:db8:1::/48", "2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
    assertFalse(in("2001:db8:1::/48", "2001:db8:2::"));
    assertTrue(in("fd00::/8", "fdff::1"));
    assertFalse(in("fd00::/8", "fe00::1"));
    assertTrue(in("2001:db8::/127", "2001:db8::1"));
    assertFalse(in("2001:db8::/127", "2001:db8::2"));
    assertTrue(in("[::1]", "::1"), "brackets around an IPv6 address are accepted");
  }

  @Test
  void familiesNeverMix() {
    assertFalse(in("::/0", "127.0.0.1"));
    assertFalse(in("0.0.0.0/0", "::1"));
  }

  @Test
  void ipv4MappedAddressesAreIpv4() {
    assertEquals(4, ip("::ffff:10.0.0.7").getAddress().length);
    assertTrue(in("10.0.0.0/8", "::ffff:10.0.0.7"));
    assertTrue(in("::ffff:10.0.0.7", "10.0.0.7"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "proxy.example.com", "localhost", "10.0.0.0/33", "10.0.0.0/-1",
      "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/a", "2001:db8::/129", "1.2.3", "1.2.3.4:80",
      "[2001:db8::1]:80", "fe80::1%eth0", "256.1.1.1", "::ffff:10.0.0.0/104"})
  void notAnAddressOrRangeIsRefusedWithItsText(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AddressRange.parse(text));
    assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "example.com", "1.2.3.4:80", "1.2.3.4 ", "unknown", "_hidden",
      "fe80::1%eth0", "", "0x7f.1"})
  void literalRefusesEverythingButIpLiterals(String text) {
    assertNull(AddressRange.literal(text));
  }

  @Test
  void configValidationNamesTheSettingAndTheEntry() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load((Path) null,
        Map.of("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/129")));
    assertTrue(e.getMessage().contains("security.trustedProxies"), e.getMessage());
    assertTrue(e.getMessage().contains("fd00::/129"), e.getMessage());
    assertEquals(List.of("10.0.0.0/8", "fd00::/8", "192.0.2.1"), ConfigLoader.load((Path) null,
        Map.of("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8, 192.0.2.1"))
        .security().trustedProxies());
    assertEquals(List.of(), ConfigLoader.load((Path) null, Map.of()).security().trustedProxies(),
        "default: no proxy is trusted");
  }
}
