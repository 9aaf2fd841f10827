package dev.gateway.support.sockjs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;

/**
 * The streaming transports: one long chunked response carries many frames.
 * <ul>
 *   <li>xhr-streaming: {@code POST <session>/xhr_streaming}; the body opens with a prelude of
 *   2048 {@code h} and a newline, then one frame per line.</li>
 *   <li>eventsource: {@code GET <session>/eventsource}; the body opens with {@code \r\n}, then
 *   one frame per event, {@code data: FRAME\r\n\r\n}.</li>
 * </ul>
 * When the server ends the response (after {@code sockjs.maxBytesStreaming}) the client opens a
 * new one on the same session, as sockjs-client does.
 */
public final class StreamingSession extends HttpSession {

  static final int PRELUDE_LENGTH = 2048;

  private final boolean eventSource;
  private Buffer pending = Buffer.buffer();
  private boolean preludeSeen;
  private volatile String contentType;
  private volatile int responses;
  private volatile int lastStatus = -1;

  StreamingSession(Vertx vertx, int port, String session, boolean eventSource, boolean attached) {
    super(vertx, port, session);
    this.eventSource = eventSource;
    if (attached) {
      markOpened();
    }
    open();
  }

  /**
   * An xhr-streaming receiver for a session already opened elsewhere (by a poll, perhaps on
   * another node): no open frame is expected, a second one is a failure. Returns at once.
   */
  public static StreamingSession attach(Vertx vertx, int port, String sessionPath) {
    return new StreamingSession(vertx, port, sessionPath, false, true);
  }

  private void open() {
    if (stopped || closeFrame() != null) {
      return;
    }
    HttpMethod method = eventSource ? HttpMethod.GET : HttpMethod.POST;
    String uri = session + (eventSource ? "/eventsource" : "/xhr_streaming");
    http.request(method, port, "127.0.0.1", uri)
        .compose(req -> {
          // handlers in place before the request goes out: no chunk is missed
          Future<HttpClientResponse> resp = req.response().onSuccess(this::stream);
          req.end();
          return resp;
        })
        .onFailure(err -> {
          if (!stopped) {
            fail(err);
          }
        });
  }

  private void stream(HttpClientResponse resp) {
    lastStatus = resp.statusCode();
    if (resp.statusCode() != 200) {
      resp.body().onComplete(b -> fail(new IllegalStateException(
          "streaming request answered " + resp.statusCode() + ": " + (b.succeeded() ? b.result() : ""))));
      return;
    }
    responses++;
    contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    pending = Buffer.buffer();
    preludeSeen = false;
    resp.handler(this::chunk);
    resp.exceptionHandler(err -> {
      if (!stopped) {
        fail(err);
      }
    });
    resp.endHandler(v -> open());
  }

  /** Splits the body into lines; a line may span chunks. */
  private void chunk(Buffer data) {
    pending.appendBuffer(data);
    int start = 0;
    for (int i = 0; i < pending.length(); i++) {
      if (pending.getByte(i) == '\n') {
        line(pending.getString(start, i, StandardCharsets.UTF_8.name()));
        start = i + 1;
      }
    }
    pending = pending.getBuffer(start, pending.length());
  }

  private void line(String line) {
    if (eventSource) {
      String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      if (l.isEmpty()) {
        return;
      }
      if (!l.startsWith("data: ")) {
        fail(new IllegalStateException("not an event-stream data line: " + l));
        return;
      }
      onFrame(l.substring("data: ".length()));
    } else if (!preludeSeen) {
      preludeSeen = true;
      if (line.length() != PRELUDE_LENGTH || !line.chars().allMatch(c -> c == 'h')) {
        fail(new IllegalStateException("xhr_streaming prelude is not 2048 'h': " + line));
      }
    } else {
      onFrame(line);
    }
  }

  /** Content-Type of the last streaming response. */
  public String contentType() {
    return contentType;
  }

  /** HTTP status of the last streaming response, -1 before the first one. */
  public int lastStatus() {
    return lastStatus;
  }

  /** Streaming responses opened so far on this session. */
  public int responses() {
    return responses;
  }
}
