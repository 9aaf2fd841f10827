package dev.gateway.protocol;

/** A client message the codec cannot accept; carries the stable code for the {@code err} reply. */
public final class ProtocolException extends Exception {

  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
