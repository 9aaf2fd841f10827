package dev.gateway.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The redaction rules on the texts the gateway's libraries write (URIs, headers, messages), on
 * a log record's parameters and exception chain, and its place in front of every root handler.
 */
class LogRedactionTest {

  static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJlLXNlY3JldA";

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "GET http://h:1/ws?token=abc123&x=1 | GET http://h:1/ws?token=[redacted]&x=1",
      "/ws?x=1&TOKEN=abc123 | /ws?x=1&TOKEN=[redacted]",
      "/ws?%74oken=abc123 | /ws?%74oken=[redacted]",
      "/chat.js?access_token=abc123#frag | /chat.js?access_token=[redacted]#frag",
      "Authorization: Bearer abc.def-123 | Authorization: Bearer [redacted]",
      "not supported: token.abc123 | not supported: token.[redacted]",
      "v1.eventbus.gateway, token.abc123 | v1.eventbus.gateway, token.[redacted]",
      "{\"headers\":{\"token\":\"abc\\\"123\"}} | {\"headers\":{\"token\":\"[redacted]\"}}",
      "a bare " + JWT + " in prose | a bare [redacted] in prose",
      "dev.gateway.auth.Authenticator: token rejected | dev.gateway.auth.Authenticator: token rejected",
  })
  void redactsTheValueAndKeepsTheName(String text, String expected) {
    assertEquals(expected, LogRedaction.redact(text));
  }

  @Test
  void aSubprotocolJwtIsRedactedWhole() {
    String out = LogRedaction.redact("Sec-WebSocket-Protocol: v1.eventbus.gateway, token." + JWT);
    assertFalse(out.contains("c2lnbmF0dXJl"), out);
    assertTrue(out.contains("v1.eventbus.gateway"), out);
  }

  @Test
  void aRecordsMessageParametersAndExceptionChainAreRewritten() {
    LogRecord r = new LogRecord(Level.FINE, "request {0} failed: ?token=abc123");
    r.setParameters(new Object[] {"/ws?token=abc123", 42, null});
    IllegalStateException cause = new IllegalStateException("bad uri /ws?token=abc123");
    RuntimeException top = new RuntimeException("wrapped", cause);
    top.addSuppressed(new IllegalArgumentException("Bearer abc123"));
    r.setThrown(top);
    LogRedaction.redact(r);
    assertEquals("request {0} failed: ?token=[redacted]", r.getMessage());
    assertEquals("/ws?token=[redacted]", r.getParameters()[0]);
    assertEquals(42, r.getParameters()[1], "numbers are kept as they are");
    ByteArrayOutputStream trace = new ByteArrayOutputStream();
    r.getThrown().printStackTrace(new PrintStream(trace, true, StandardCharsets.UTF_8));
    String printed = trace.toString(StandardCharsets.UTF_8);
    assertFalse(printed.contains("abc123"), printed);
    assertTrue(printed.contains("java.lang.RuntimeException: wrapped"), printed);
    assertTrue(printed.contains("Caused by: java.lang.IllegalStateException: bad uri /ws?token=[redacted]"), printed);
    assertEquals(cause.getStackTrace()[0], r.getThrown().getCause().getStackTrace()[0], "the stack trace is kept");
  }

  @Test
  void anExceptionWithoutATokenIsLeftAsItIs() {
    RuntimeException e = new RuntimeException("connection reset");
    LogRecord r = new LogRecord(Level.WARNING, "oops");
    r.setThrown(e);
    LogRedaction.redact(r);
    assertSame(e, r.getThrown());
  }

  @Test
  void installedInFrontOfEveryRootHandlerOnce() {
    Logger root = Logger.getLogger("");
    List<String> seen = new ArrayList<>();
    Handler early = new Handler() {
      @Override
      public void publish(LogRecord record) {
        seen.add(record.getMessage());
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    early.setLevel(Level.ALL);
    root.addHandler(early);
    Level level = root.getLevel();
    try {
      LogRedaction.install();
      LogRedaction.install();
      Handler[] handlers = root.getHandlers();
      assertEquals(1, java.util.Arrays.stream(handlers).filter(h -> h.getClass().getEnclosingClass() == LogRedaction.class)
          .count(), "one redactor");
      assertSame(LogRedaction.class, handlers[0].getClass().getEnclosingClass(), "the redactor is first");
      root.setLevel(Level.ALL);
      Logger.getLogger("io.netty.handler.codec.http.websocketx.Test").fine("Requested subprotocol(s) not supported: token.abc123");
      assertEquals(List.of("Requested subprotocol(s) not supported: token.[redacted]"), seen);
    } finally {
      root.setLevel(level);
      root.removeHandler(early);
    }
  }
}
