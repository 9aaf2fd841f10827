package dev.gateway.config;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP address or a CIDR range ({@code 10.0.0.0/8}, {@code 2001:db8::/32}), IPv4 or IPv6.
 * Parsing never looks a name up: only IP literals are accepted. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:10.0.0.1}) are IPv4 addresses here, as the kernel reports them either way.
 */
public final class AddressRange {

  private final byte[] network;
  private final int prefix;

  private AddressRange(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Parses {@code ADDRESS} or {@code ADDRESS/PREFIX}; host bits after the prefix are ignored.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static AddressRange parse(String text) {
    String t = text == null ? "" : text.trim();
    int slash = t.indexOf('/');
    InetAddress address = literal(slash < 0 ? t : t.substring(0, slash));
    if (address == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range");
    }
    byte[] bytes = address.getAddress();
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      prefix = p.matches("[0-9]{1,3}") ? Integer.parseInt(p) : -1;
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("'" + text + "': prefix must be 0.." + bits
            + " for an " + (bits == 32 ? "IPv4" : "IPv6") + " address");
      }
    }
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] &= mask(prefix, i);
    }
    return new AddressRange(bytes, prefix);
  }

  /**
   * The IP address a literal names ({@code 192.0.2.1}, {@code 2001:db8::1}, {@code [::1]}), or
   * null when the text is anything else (host names, ports, zone ids, garbage).
   */
  public static InetAddress literal(String text) {
    if (text == null || text.indexOf('%') >= 0
        || !(NetUtil.isValidIpV4Address(text) || NetUtil.isValidIpV6Address(text))) {
      return null;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
    try {
      // a 16-byte IPv4-mapped address comes back as an Inet4Address
      return bytes == null ? null : InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null; // wrong length: not reached for Netty's output
    }
  }

  /** True when the address lies in this range (an IPv4 address is never in an IPv6 range). */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if ((byte) (a[i] & mask(prefix, i)) != network[i]) {
        return false;
      }
    }
    return true;
  }

  /** The bits of byte {@code i} that belong to a {@code prefix}-bit network part. */
  private static byte mask(int prefix, int i) {
    int bits = Math.max(0, Math.min(8, prefix - i * 8));
    return (byte) (0xff << (8 - bits));
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
    } catch (UnknownHostException e) {
      return Arrays.toString(network) + "/" + prefix;
    }
  }
}
