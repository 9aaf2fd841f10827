package dev.gateway.transport.gate;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body up to a limit. A declared {@code Content-Length} over the limit fails at
 * once; a chunked body fails as soon as it passes the limit, and the rest is not read. Either
 * way the future fails with {@link TooLarge} (answer 413).
 */
public final class BoundedBody {

  /** The body was larger than the limit. */
  public static final class TooLarge extends RuntimeException {
    TooLarge() {
      super("body larger than the limit", null, false, false);
    }
  }

  private BoundedBody() {
  }

  /** Reads the body of a request whose handlers are not set yet. */
  public static Future<Buffer> read(HttpServerRequest req, int maxBytes) {
    String declared = req.getHeader("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > maxBytes) {
          return Future.failedFuture(new TooLarge());
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(new IllegalArgumentException("bad Content-Length"));
      }
    }
    Promise<Buffer> body = Promise.promise();
    Buffer data = Buffer.buffer();
    req.handler(chunk -> {
      if (data.length() + chunk.length() > maxBytes) {
        if (body.tryFail(new TooLarge())) {
          req.pause();
        }
        return;
      }
      data.appendBuffer(chunk);
    });
    req.endHandler(v -> body.tryComplete(data));
    req.exceptionHandler(body::tryFail);
    return body.future();
  }
}
