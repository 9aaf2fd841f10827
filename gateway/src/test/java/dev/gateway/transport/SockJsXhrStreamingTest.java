package dev.gateway.transport;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.support.sockjs.StreamingSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * xhr-streaming: {@code POST /eventbus/<server>/<session>/xhr_streaming}, one chunked response
 * with a 2048-byte {@code h} prelude (the client helper checks it) then one frame per line.
 * The gateway runs with a small {@code sockjs.maxBytesStreaming} so responses roll over.
 */
class SockJsXhrStreamingTest extends SockJsStreamingContract {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(CONFIG);

  @Override
  protected GatewayExtension gw() {
    return gw;
  }

  @Override
  protected StreamingSession open() {
    return SockJsSession.xhrStreaming(gw.client(), gw.port());
  }

  @Override
  protected String transportTag() {
    return "xhr-streaming";
  }

  @Test
  void streamOpensWithPreludeThenOpenFrame() {
    assertStreamOpens("application/javascript", "prelude or framing broken");
  }
}
