package dev.gateway.support.sockjs;

import dev.gateway.support.HttpExchange.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;

/**
 * xhr-polling: {@code POST <session>/xhr} returns exactly one frame per request ({@code o\n}
 * first, then {@code a[...]\n}, {@code h\n} or {@code c[...]\n}); the client polls again as soon
 * as a poll is answered, the open frame's included, as sockjs-client does, until the session is
 * closed or the client stops.
 */
public final class PollingSession extends HttpSession {

  /** Number of polls answered so far. */
  private volatile int polls;

  PollingSession(Vertx vertx, int port, String session) {
    super(vertx, port, session);
    poll();
  }

  private void poll() {
    if (stopped || closeFrame() != null) {
      return;
    }
    exchange(HttpMethod.POST, session + "/xhr", null).onComplete(ar -> {
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        fail(ar.cause());
        return;
      }
      Reply r = ar.result();
      if (r.status() != 200 || !r.body().endsWith("\n")) {
        fail(new IllegalStateException("poll answered " + r.status() + ": " + r.body()));
        return;
      }
      String frame = r.body().substring(0, r.body().length() - 1);
      if (frame.indexOf('\n') >= 0) {
        fail(new IllegalStateException("a poll carries one frame, got: " + r.body()));
        return;
      }
      polls++;
      onFrame(frame);
      poll();
    });
  }

  /** Polls answered so far. */
  public int polls() {
    return polls;
  }
}
