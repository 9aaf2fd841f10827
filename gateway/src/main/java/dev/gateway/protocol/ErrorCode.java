package dev.gateway.protocol;

/**
 * Stable failure codes sent to clients as {@code {"type":"err","body":CODE,"message":...}}.
 * Clients may switch on them; they never change meaning.
 */
public enum ErrorCode {
  /** The frame is not a JSON object. */
  INVALID_JSON("invalid_json"),
  /** No {@code type} field. */
  MISSING_TYPE("missing_type"),
  /** A {@code type} the protocol does not know. */
  INVALID_TYPE("invalid_type"),
  /** No {@code address}, or not a string, where one is required. */
  MISSING_ADDRESS("missing_address"),
  /** The address is longer than {@code limits.maxAddressLength}. */
  ADDRESS_TOO_LONG("address_too_long"),
  /** A field has the wrong type (headers not an object, replyAddress not a string, ...). */
  INVALID_FIELD("invalid_field"),
  /** The permissions do not allow this operation on this address. */
  ACCESS_DENIED("access_denied"),
  /** The connection is registered to {@code limits.maxChannelsPerConnection} channels already. */
  TOO_MANY_CHANNELS("too_many_channels"),
  /** The event bus could not register the channel (cluster trouble); the client may retry. */
  REGISTRATION_FAILED("registration_failed"),
  /**
   * {@code limits.maxPendingRequests} requests are in flight on a transport that cannot stop
   * being read (SockJS); the request was refused.
   */
  TOO_MANY_PENDING("too_many_pending"),
  /** The connection sends faster than its rate limit; the message was discarded. */
  RATE_LIMITED("rate_limited"),
  /**
   * A malformed stream position: {@code gateway.since} not a decimal offset, or without
   * {@code gateway.epoch} (or the other way round). Nothing was registered.
   */
  INVALID_POSITION("invalid_position"),
  /** A history request for a channel that keeps none. */
  NO_HISTORY("no_history"),
  /**
   * A publication that would create a new history channel while the node or cluster holds as
   * many as its caps allow; existing history channels keep working. The message was not sent.
   */
  HISTORY_LIMIT("history_limit"),
  /** A presence or presence_stats request for a channel that has no presence. */
  NO_PRESENCE("no_presence");

  private final String wire;

  ErrorCode(String wire) {
    this.wire = wire;
  }

  /** The code as it appears on the wire. */
  public String wire() {
    return wire;
  }
}
