package dev.gateway.channel.stream;

/**
 * How a broker broadcasts an appended publication with its position to every node's
 * subscribers. The broker calls it in the order of the channel's offsets, from a thread whose
 * event-bus publications keep their order, so receivers see a channel's publications in offset
 * order unless a node is lost on the way.
 */
@FunctionalInterface
public interface Broadcast {

  void send(String channel, Publication publication, StreamPosition position);
}
