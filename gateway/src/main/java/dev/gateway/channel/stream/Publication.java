package dev.gateway.channel.stream;

/**
 * A publication to a channel that keeps history, as the broker stores and broadcasts it: the
 * client-visible headers (a JSON object's text, or null) and body (JSON text), the idempotency
 * key (or null), and where and when it was published (the publishing node's id, microseconds
 * since the epoch), so the broadcast that leaves the channel's sequencer still tells receivers
 * how long delivery took and whether it crossed nodes.
 */
public record Publication(byte[] headers, byte[] body, String idempotencyKey, String origin,
                          long publishedAtMicros) {

  /** The bytes of headers and body. */
  public long size() {
    return (headers == null ? 0 : headers.length) + body.length;
  }
}
