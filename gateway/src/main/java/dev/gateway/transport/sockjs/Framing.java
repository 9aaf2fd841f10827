package dev.gateway.transport.sockjs;

import java.nio.charset.StandardCharsets;

/**
 * How each HTTP transport of SockJS carries frames: content type, the prelude a streaming
 * response starts with, how one frame is wrapped, and whether the response ends after the first
 * frame (polling) or stays open (streaming).
 */
enum Framing {
  XHR_POLLING("application/javascript; charset=UTF-8", false),
  XHR_STREAMING("application/javascript; charset=UTF-8", true),
  EVENTSOURCE("text/event-stream; charset=UTF-8", true),
  HTMLFILE("text/html; charset=UTF-8", true),
  JSONP("application/javascript; charset=UTF-8", false);

  /** sockjs-client's xhr-streaming needs 2 KiB before it starts reading (old browsers buffer). */
  private static final String XHR_PRELUDE = "h".repeat(2048) + "\n";
  private static final String HTMLFILE_HEAD = """
      <!doctype html>
      <html><head>
        <meta http-equiv="X-UA-Compatible" content="IE=edge" />
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
      </head><body><h2>Don't panic!</h2>
        <script>
          document.domain = document.domain;
          var c = parent.%s;
          c.start();
          function p(d) {c.message(d);};
          window.onload = function() {c.stop();};
        </script>""";

  private final String contentType;
  private final boolean streaming;

  Framing(String contentType, boolean streaming) {
    this.contentType = contentType;
    this.streaming = streaming;
  }

  String contentType() {
    return contentType;
  }

  /** True when the response stays open for further frames (up to the streaming byte limit). */
  boolean streaming() {
    return streaming;
  }

  /** What a streaming response starts with, before the first frame (null: nothing). */
  String prelude(String callback) {
    return switch (this) {
      case XHR_STREAMING -> XHR_PRELUDE;
      case EVENTSOURCE -> "\r\n";
      case HTMLFILE -> {
        String head = HTMLFILE_HEAD.formatted(callback);
        // IE needs 1 KiB before it renders anything
        yield head + " ".repeat(Math.max(0, 1025 - head.length())) + "\r\n\r\n";
      }
      default -> null;
    };
  }

  /** One frame ({@code o}, {@code h}, {@code a[...]}, {@code c[...]}) as this transport sends it. */
  byte[] wrap(byte[] frame, String callback) {
    return switch (this) {
      case XHR_POLLING, XHR_STREAMING -> concat(frame, "\n");
      case EVENTSOURCE -> concat("data: ", frame, "\r\n\r\n");
      case HTMLFILE -> concat("<script>\np(", SockJsFrames.quote(frame), ");\n</script>\r\n");
      case JSONP -> concat("/**/" + callback + "(", SockJsFrames.quote(frame), ");\r\n");
    };
  }

  byte[] wrap(String frame, String callback) {
    return wrap(frame.getBytes(StandardCharsets.UTF_8), callback);
  }

  private static byte[] concat(byte[] a, String b) {
    return concat("", a, b);
  }

  private static byte[] concat(String before, byte[] middle, String after) {
    byte[] head = before.getBytes(StandardCharsets.UTF_8);
    byte[] tail = after.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + middle.length + tail.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(middle, 0, out, head.length, middle.length);
    System.arraycopy(tail, 0, out, head.length + middle.length, tail.length);
    return out;
  }
}
