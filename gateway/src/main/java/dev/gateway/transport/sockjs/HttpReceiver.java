package dev.gateway.transport.sockjs;

import dev.gateway.internal.VertxInternals;
import dev.gateway.transport.io.Flusher;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * A receiving request on this node (xhr, xhr_streaming, eventsource, htmlfile, jsonp) as a
 * session's {@link Receiver}. Every touch of the HTTP response happens on the response's own
 * event loop (required in strict thread mode); the session may live on another loop, so calls
 * hop over and completions hop back. A polling answer is one response with a length, so the
 * client's keep-alive connection stays usable; a streaming answer is chunked, opened with the
 * transport's prelude; its chunks after the prelude are written straight to the connection's
 * Netty pipeline (below Vert.x's response, through its HTTP encoder) with flushes coalesced by
 * the loop's {@link Flusher}, so the shared bytes of a broadcast reach a thousand streams with
 * one write each and few system calls.
 */
final class HttpReceiver implements Receiver {

  private final HttpServerResponse response;
  private final Context responseContext;
  /** Where streaming chunks are written; null when they go through Vert.x's response. */
  private final ChannelHandlerContext channel;
  private final Flusher flusher;
  /** An HTTP/1.0 stream has no chunking: its end is the end of its connection. */
  private final HttpConnection closeAtEnd;
  private final Framing framing;
  private final String callback;
  /** Where {@code written} callbacks and the client's abort are reported. */
  private volatile Context owner;
  private Runnable onGone;
  private Buffer pollAnswer;
  private Runnable pollWritten;
  private boolean ended;

  /**
   * Starts the response (status, headers, the streaming prelude) on the current context, which
   * must be the request's. CORS and caching headers are already set by the caller.
   */
  HttpReceiver(HttpServerRequest request, Framing framing, String callback, Flusher flusher) {
    this.response = request.response();
    this.responseContext = Vertx.currentContext();
    this.flusher = flusher;
    this.channel = framing.streaming() ? VertxInternals.context(request.connection()) : null;
    this.closeAtEnd = framing.streaming() && request.version() == HttpVersion.HTTP_1_0
        ? request.connection() : null;
    this.framing = framing;
    this.callback = callback;
    response.putHeader(HttpHeaders.CONTENT_TYPE, framing.contentType());
    if (framing.streaming()) {
      response.setChunked(true);
      String prelude = framing.prelude(callback);
      if (prelude != null) {
        response.write(prelude);
      }
    }
    response.closeHandler(v -> {
      if (!ended) {
        ended = true;
        Runnable gone = onGone;
        if (gone != null) {
          onOwner(gone);
        }
      }
    });
  }

  /** Hands the receiver to a local session (on the request's loop, before the hand-over). */
  void boundTo(SockJsSession s) {
    reportTo(s.context(), () -> s.receiverGone(this));
  }

  /**
   * Reports {@code written} callbacks and the client's abort ({@code onGone}) on the given
   * context (set before the receiver is used).
   */
  void reportTo(Context context, Runnable onGone) {
    this.owner = context;
    this.onGone = onGone;
  }

  @Override
  public Framing framing() {
    return framing;
  }

  @Override
  public String callback() {
    return callback;
  }

  @Override
  public void write(Buffer wrapped, Runnable written) {
    onResponse(() -> {
      if (ended) {
        onOwner(written);
      } else if (!framing.streaming()) {
        pollAnswer = wrapped; // a poll carries one frame: sent with end(), with a length
        pollWritten = written;
      } else if (channel != null) {
        flusher.write(channel, new DefaultHttpContent(VertxInternals.byteBuf(wrapped)),
            channel.newPromise().addListener(f -> onOwner(written)));
      } else {
        response.write(wrapped).onComplete(ar -> onOwner(written));
      }
    });
  }

  @Override
  public void end() {
    onResponse(() -> {
      if (ended) {
        return;
      }
      ended = true;
      Runnable written = pollWritten;
      Buffer answer = pollAnswer;
      pollWritten = null;
      pollAnswer = null;
      (answer == null ? response.end() : response.end(answer)).onComplete(ar -> {
        if (closeAtEnd != null) {
          closeAtEnd.close();
        }
        if (written != null) {
          onOwner(written);
        }
      });
    });
  }

  @Override
  public void reset() {
    onResponse(() -> {
      ended = true;
      response.reset();
      if (pollWritten != null) {
        onOwner(pollWritten);
        pollWritten = null;
      }
    });
  }

  @Override
  public boolean writable() {
    return !response.writeQueueFull();
  }

  private void onResponse(Runnable action) {
    if (Vertx.currentContext() == responseContext) {
      action.run();
    } else {
      responseContext.runOnContext(v -> action.run());
    }
  }

  private void onOwner(Runnable action) {
    Context ctx = owner;
    if (ctx == null || Vertx.currentContext() == ctx) {
      action.run();
    } else {
      ctx.runOnContext(v -> action.run());
    }
  }
}
