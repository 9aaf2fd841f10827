package dev.gateway.auth;

/**
 * What a verified token allows: its subject and id (for revocation), when it expires (epoch
 * milliseconds, 0 if never) and the address patterns from its {@code subscribe}, {@code publish}
 * and {@code send} claims.
 */
public record Grant(String subject, String tokenId, long expiresAtMillis, Permissions permissions) {
}
