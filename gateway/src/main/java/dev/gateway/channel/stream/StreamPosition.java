package dev.gateway.channel.stream;

/**
 * A position in a channel's stream: the offset of a publication (1 for the first, growing by
 * exactly one per publication) and the epoch naming the stream's incarnation. Offset 0 is the
 * position before the first publication. Two positions compare only within one epoch: a new
 * epoch means the stream started anew and earlier offsets mean nothing in it.
 */
public record StreamPosition(long offset, String epoch) {

  /** The offset as it travels on the wire: a decimal string (JavaScript numbers stop at 2^53). */
  public String wireOffset() {
    return Long.toString(offset);
  }
}
