package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.CLOSE_FRAME;
import static dev.gateway.transport.sockjs.Conformance.CLOSING_SESSION_TIMEOUT_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Response;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Closing a SockJS session (reference class HandlingClose, and Protocol.test_closeSession), on
 * every HTTP receiving transport: a session the gateway closed answers its close frame to every
 * receiving request until the session timeout, then its id is free for a new session; a
 * receiving request the client aborts ends the session; a session nobody polls times out.
 */
class HandlingCloseTest {

  private static final String ANOTHER = "c[2010,\"Another connection still open\"]";
  private static final List<String> AFTER_ABORT =
      List.of("o", "c[1002,\"Connection interrupted\"]");

  static TestGateway closing;

  @BeforeAll
  static void start() {
    closing = Conformance.start(Conformance.closingConfig());
  }

  @AfterAll
  static void stop() {
    closing.close();
  }

  /**
   * The close frame goes to the attached receiver (which then ends), and to every receiving
   * request after it, not "Another connection still open"; once the session timed out, the id
   * opens a new session.
   */
  @Test
  void closedSessionsRepeatTheirCloseFrameUntilTheyTimeOut() {
    int port = closing.port;
    Map<Receiving, String> sessions = new EnumMap<>(Receiving.class);
    for (Receiving t : Receiving.values()) {
      String url = Conformance.session();
      sessions.put(t, url);
      try (RawHttp first = t.open(port, url)) {
        assertEquals("o", t.next(first), t + " open");
        if (t.streaming()) {
          t.send(port, url, Conformance.closeTrigger());
          assertEquals(CLOSE_FRAME, t.next(first), t + ": the attached receiver gets the close");
          assertTrue(first.bodyEnds(5_000), t + ": the response stays open after the close frame");
        } else {
          t.send(port, url, Conformance.closeTrigger());
        }
      }
      for (int i = 0; i < 3; i++) {
        try (RawHttp again = t.open(port, url)) {
          assertEquals(CLOSE_FRAME, t.next(again), t + " request " + (i + 2) + " after the close");
          assertTrue(again.bodyEnds(5_000), t + ": the response stays open after the close frame");
        }
      }
    }
    Conformance.sleep(CLOSING_SESSION_TIMEOUT_MS + 1_000);
    for (Receiving t : Receiving.values()) {
      try (RawHttp later = t.open(port, sessions.get(t))) {
        assertEquals("o", t.next(later), t + ": the id after the session timed out");
      }
    }
  }

  /**
   * A receiving request that breaks off (a network error, not the server) leaves the session
   * in an undefined state: it ends, and the next request gets either a new session or 1002.
   */
  @ParameterizedTest
  @EnumSource(Receiving.class)
  void abortedReceivingRequestEndsTheSession(Receiving t) {
    int port = closing.port;
    String url = Conformance.session();
    RawHttp attached = t.start(port, url);
    try {
      t.head(attached);
      assertEquals("o", t.next(attached));
      if (!t.streaming()) {
        attached.close();
        attached = t.start(port, url); // a poll that waits for the next frame
        Conformance.sleep(Conformance.SETTLE_MS);
      }
      try (RawHttp second = t.open(port, url)) {
        assertEquals(ANOTHER, t.next(second), t + ": a second receiver while one waits");
        assertTrue(second.bodyEnds(5_000), t + ": the refused response stays open");
      }
    } finally {
      attached.close(); // the client aborts the waiting request
    }
    Conformance.sleep(Conformance.SETTLE_MS);
    try (RawHttp after = t.open(port, url)) {
      String frame = t.next(after);
      assertTrue(AFTER_ABORT.contains(frame), t + " after the abort: " + frame);
    }
  }

  /** A session without a receiving request for the session timeout is over. */
  @Test
  void sessionWithoutReceiverTimesOut() {
    String url = Conformance.session();
    assertEquals("o\n", Conformance.poll(closing.port, url));
    Conformance.sleep(CLOSING_SESSION_TIMEOUT_MS + 1_000);
    Response send = RawHttp.post(closing.port, url + "/xhr_send", Conformance.payload(
        Conformance.echo("r", "late")));
    assertEquals(404, send.status(), "send to a timed-out session: " + send);
    assertEquals("o\n", Conformance.poll(closing.port, url), "the id opens a new session");
  }
}
