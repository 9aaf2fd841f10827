package dev.gateway.transport.sockjs;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SockJS sessions of this node (over the HTTP transports), by session id, shared by every
 * event loop: a request finds its session here and hands over to the session's loop. A closed
 * session stays until it is forgotten, so its close frame can be repeated. Thread-safe.
 */
final class SockJsSessions {

  private final ConcurrentHashMap<String, SockJsSession> sessions = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();
  private volatile java.util.function.Consumer<String> onForgotten = id -> { };

  /** Called with the id of every session forgotten (the cluster releases its ownership). */
  void onForgotten(java.util.function.Consumer<String> listener) {
    this.onForgotten = listener;
  }

  /** The session with this id, or null. */
  SockJsSession get(String id) {
    return sessions.get(id);
  }

  /** Adds a new session unless one with its id exists; returns the one that holds the id. */
  SockJsSession putIfAbsent(SockJsSession session) {
    SockJsSession existing = sessions.putIfAbsent(session.id, session);
    if (existing == null) {
      count.incrementAndGet();
      return session;
    }
    return existing;
  }

  /** Forgets the session (if the id still names it). */
  void remove(SockJsSession session) {
    if (sessions.remove(session.id, session)) {
      count.decrementAndGet();
      onForgotten.accept(session.id);
    }
  }

  /** Sessions held, open or closed (for the sessions gauge). */
  int size() {
    return count.get();
  }

  boolean contains(String id) {
    return sessions.containsKey(id);
  }
}
