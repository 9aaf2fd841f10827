package dev.gateway.transport;

import org.junit.jupiter.api.Test;

/**
 * xhr-streaming: {@code POST /eventbus/<server>/<session>/xhr_streaming}, one chunked response
 * with a 2048-byte {@code h} prelude (the client helper checks it) then one frame per line.
 * The gateway runs with a small {@code sockjs.maxBytesStreaming} so responses roll over.
 */
class SockJsXhrStreamingTest extends SockJsStreamingContract {

  @Override
  protected SockJsClient open() {
    return SockJsClient.xhrStreaming(client, gateway.port);
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
