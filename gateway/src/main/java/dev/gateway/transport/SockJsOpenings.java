package dev.gateway.transport;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.RoutingContext;

/**
 * Serialises the opening of a SockJS session against the session's next requests.
 *
 * <p>vertx-web 5.0's {@code SockJSSession.register()} writes the open frame before it marks the
 * session open and runs the socket handler, without synchronisation, while sessions are shared
 * by every event loop. A client's next poll, which usually arrives on another loop (SockJS closes
 * the connection after each poll), can slip into that window: the session is then opened twice,
 * the client sees a second {@code o} ("Server lost session") and the gateway gets the socket
 * twice. Here the request that creates a session marks it as opening; other requests for that
 * session wait (briefly, on timers, never blocking) until the gateway's socket handler has run.
 */
final class SockJsOpenings {

  private static final String MAP = "gateway.sockjs.opening";
  private static final String CREATOR_KEY = "gateway.sockjs.creator";
  private static final long MAX_WAIT_NANOS = 2_000_000_000L;
  private static final long RETRY_MS = 2;

  private final Vertx vertx;
  private final LocalMap<String, Long> opening;
  private final LocalMap<String, Object> sessions;

  SockJsOpenings(Vertx vertx, LocalMap<String, Object> sessions) {
    this.vertx = vertx;
    this.opening = vertx.sharedData().getLocalMap(MAP);
    this.sessions = sessions;
  }

  /**
   * A second concurrent poll for a session that has one waiting: answer SockJS's 2010 refusal
   * here. vertx-web would answer it too, but would also detach the waiting poll, which then
   * hears nothing until the next poll or the session timeout.
   */
  private void refuseSecondPoll(RoutingContext rc, String session) {
    if (rc.request().path().endsWith("/xhr") && SockJsCloser.hasReceiver(sessions.get(session))) {
      rc.response().putHeader("Content-Type", "application/javascript; charset=UTF-8")
          .end("c[2010,\"Another connection still open\"]\n");
      return;
    }
    rc.next();
  }

  /** The request will create the session: later requests for it wait until it is open. */
  void creating(RoutingContext rc, String session) {
    if (opening.putIfAbsent(session, System.nanoTime() + MAX_WAIT_NANOS) == null) {
      rc.put(CREATOR_KEY, session);
    }
  }

  /** The gateway's socket handler ran for the session: it is open. */
  void opened(String session) {
    if (session != null) {
      opening.remove(session);
    }
  }

  /** Route handler for {@code /eventbus/SERVER/SESSION/*}: waits while the session opens. */
  void route(RoutingContext rc) {
    SockJsPath path = SockJsPath.parse(rc.request().path());
    if (path == null || path.session().equals(rc.get(CREATOR_KEY))) {
      rc.next();
      return;
    }
    waitThenNext(rc, path.session());
  }

  private void waitThenNext(RoutingContext rc, String session) {
    Long deadline = opening.get(session);
    if (deadline == null) {
      refuseSecondPoll(rc, session);
    } else if (System.nanoTime() - deadline > 0) {
      opening.remove(session, deadline); // a creator that never opened it (refused, failed)
      refuseSecondPoll(rc, session);
    } else {
      vertx.setTimer(RETRY_MS, t -> waitThenNext(rc, session));
    }
  }
}
