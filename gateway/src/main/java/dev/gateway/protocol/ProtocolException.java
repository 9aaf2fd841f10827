package dev.gateway.protocol;

/** A client message the codec cannot accept; carries the stable code for the {@code err} reply. */
public final class ProtocolException extends Exception {

  private final ErrorCode code;
  private final String ack;

  public ProtocolException(ErrorCode code, String message) {
    this(code, message, null);
  }

  private ProtocolException(ErrorCode code, String message, String ack) {
    super(message, null, false, false);
    this.code = code;
    this.ack = ack;
  }

  /** The same refusal, answering the message's ack id (null: none, or none readable). */
  public ProtocolException withAck(String ack) {
    return ack == null ? this : new ProtocolException(code, getMessage(), ack);
  }

  /** The refused message's ack id, echoed in the {@code err}, or null. */
  public String ack() {
    return ack;
  }

  public ErrorCode code() {
    return code;
  }
}
