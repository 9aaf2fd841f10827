package dev.gateway.transport.sockjs;

import dev.gateway.metrics.GatewayMetrics;

/**
 * What the SockJS servers of one node share: the sessions, whichever event loop opened them.
 * Created once per node; thread-safe.
 */
public final class SockJsNode {

  private final SockJsSessions sessions = new SockJsSessions();

  public SockJsNode(GatewayMetrics metrics) {
    metrics.gauge("gateway.sockjs.sessions",
        "SockJS sessions over the HTTP transports held by this node, open or closing",
        sessions::size);
  }

  SockJsSessions sessions() {
    return sessions;
  }
}
