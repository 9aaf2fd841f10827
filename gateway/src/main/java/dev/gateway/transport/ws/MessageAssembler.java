package dev.gateway.transport.ws;

import dev.gateway.protocol.CloseReason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reassembles one native WebSocket connection's data frames into text messages, enforcing what
 * Vert.x leaves to the application: a message size cap (1009), strict UTF-8 (1007), no binary
 * messages (1003) and fragment ordering (1002). Frame-level violations (masking, RSV bits,
 * opcodes, control-frame rules, frame size) are detected by Netty's decoder and reach the
 * endpoint's exception handler instead.
 */
public final class MessageAssembler {

  private final int maxMessageBytes;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private Buffer pending;
  private CloseReason violation;
  private String message;

  public MessageAssembler(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * Takes one frame. Afterwards {@link #violation()} is non-null if the connection must close,
   * else {@link #message()} is non-null when the frame completed a text message.
   */
  public void accept(WebSocketFrame frame) {
    message = null;
    switch (frame.type()) {
      case BINARY -> violation = CloseReason.UNSUPPORTED_DATA;
      case TEXT -> {
        if (pending != null) {
          violation = CloseReason.PROTOCOL_ERROR; // new message inside a fragmented one
          return;
        }
        pending = Buffer.buffer();
        append(frame);
      }
      case CONTINUATION -> {
        if (pending == null) {
          violation = CloseReason.PROTOCOL_ERROR; // continuation without a start
          return;
        }
        append(frame);
      }
      default -> {
        // control frames are handled by Vert.x (ping answered, close handled)
      }
    }
  }

  private void append(WebSocketFrame frame) {
    Buffer data = frame.binaryData();
    if ((long) pending.length() + data.length() > maxMessageBytes) {
      pending = null;
      violation = CloseReason.TOO_BIG;
      return;
    }
    pending.appendBuffer(data);
    if (frame.isFinal()) {
      byte[] bytes = pending.getBytes();
      pending = null;
      try {
        message = utf8.reset().decode(ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException e) {
        violation = CloseReason.BAD_PAYLOAD;
      }
    }
  }

  public CloseReason violation() {
    return violation;
  }

  public String message() {
    return message;
  }
}
