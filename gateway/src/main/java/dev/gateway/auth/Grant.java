package dev.gateway.auth;

import java.util.List;

/**
 * What a verified token allows: its subject (the user id) and id (for revocation), when it
 * expires (epoch milliseconds, 0 if never), the address patterns from its {@code subscribe},
 * {@code publish} and {@code send} claims, the user's {@code info} (the claim's JSON text, at most
 * {@link #MAX_INFO_BYTES} bytes of UTF-8, or null) shown to others in presence, and the channels
 * of its {@code channels} claim, which the gateway subscribes the connection to itself.
 */
public record Grant(String subject, String tokenId, long expiresAtMillis, Permissions permissions,
                    String info, List<String> channels) {

  /** The largest {@code info} claim accepted, in bytes of its JSON text. */
  public static final int MAX_INFO_BYTES = 1024;

  public Grant {
    channels = channels == null ? List.of() : List.copyOf(channels);
  }

  /** A grant without {@code info} and server-side channels. */
  public Grant(String subject, String tokenId, long expiresAtMillis, Permissions permissions) {
    this(subject, tokenId, expiresAtMillis, permissions, null, List.of());
  }
}
