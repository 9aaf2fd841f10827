package dev.gateway.transport.sockjs;

import dev.gateway.cluster.ClusterSeal;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * What the SockJS servers of one node share: the sessions, whichever event loop opened them,
 * and, on a cluster, the session ownership and the owner side of forwarding. Created once per
 * node; thread-safe.
 */
public final class SockJsNode {

  private final SockJsSessions sessions = new SockJsSessions();
  private final SockJsCluster cluster;

  /**
   * @param nodeId this node's id, or null on a single node
   * @param stallTimeoutMs see {@link SockJsCluster}
   * @param seal authenticates forwarding between nodes and hashes session ids in the cluster map
   */
  public SockJsNode(Vertx vertx, GatewayMetrics metrics, String nodeId, long stallTimeoutMs,
                    ClusterSeal seal) {
    metrics.gauge("gateway.sockjs.sessions",
        "SockJS sessions over the HTTP transports held by this node, open or closing",
        sessions::size);
    this.cluster = nodeId == null ? null : new SockJsCluster(vertx, nodeId, sessions,
        stallTimeoutMs, seal);
  }

  /** Joins the cluster's session ownership (nothing to do on a single node). */
  public Future<Void> start() {
    return cluster == null ? Future.succeededFuture() : cluster.start();
  }

  SockJsSessions sessions() {
    return sessions;
  }

  /** The cluster side, or null on a single node. */
  SockJsCluster cluster() {
    return cluster;
  }
}
