package dev.gateway.history;

import dev.gateway.support.chaos.ClientLink.Transport;
import dev.gateway.support.chaos.RecoveringClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fault of {@link HistoryChaosIT} on one node, with the clients connected to it when it
 * struck: each of them must have left that node afterwards, in the way the fault implies (a
 * drain closes with 1001; a killed node resets its connections; a frozen one goes silent).
 */
record Fault(String kind, int node, List<RecoveringClient> clients, long atNanos) {

  /** Notes the clients on {@code node} now, before the fault strikes. */
  static Fault on(String kind, int node, List<RecoveringClient> all) {
    List<RecoveringClient> on = all.stream().filter(c -> c.node() == node).toList();
    return new Fault(kind, node, on, System.nanoTime());
  }

  /** The node holding the most clients. */
  static int busiest(List<RecoveringClient> all, int nodes) {
    int[] count = new int[nodes];
    all.forEach(c -> count[c.node()]++);
    int best = 0;
    for (int i = 1; i < nodes; i++) {
      if (count[i] > count[best]) {
        best = i;
      }
    }
    return best;
  }

  /** The first connection end on this node after the fault, or null. */
  static RecoveringClient.Disconnect end(RecoveringClient c, int node, long after) {
    return c.disconnects().stream().filter(d -> d.node() == node && d.atNanos() >= after)
        .findFirst().orElse(null);
  }

  /** Clients that never left the node after the fault. */
  List<String> stayed() {
    return clients.stream().filter(c -> end(c, node, atNanos) == null).map(c -> c.name).toList();
  }

  /** Clients whose connection to the node ended in a way this fault does not explain. */
  List<String> wrongEnd() {
    List<String> wrong = new ArrayList<>();
    for (RecoveringClient c : clients) {
      RecoveringClient.Disconnect d = end(c, node, atNanos);
      if (d != null && !expected(c.transport, d)) {
        wrong.add(c.name + ": " + d.end());
      }
    }
    return wrong;
  }

  private boolean expected(Transport transport, RecoveringClient.Disconnect d) {
    return switch (kind) {
      // WebSockets get the 1001 close; a SockJS session over HTTP may not see its c[1001] frame:
      // a polling session closed with no poll open gets SockJS's own 3000 on its next poll, and
      // a poll or stream reopened as the node exits fails (refused, or closed under it)
      case "rolling restart" -> Integer.valueOf(1001).equals(d.closeCode())
          || transport != Transport.WEBSOCKET && (Integer.valueOf(3000).equals(d.closeCode())
          || d.closeCode() == null && d.end().startsWith("failed: "));
      // no close frame: 1006 (abnormal closure) on a WebSocket, a failed request over HTTP
      case "kill -9" -> (d.closeCode() == null || d.closeCode() == 1006)
          && !d.end().startsWith("silent");
      case "SIGSTOP" -> d.end().startsWith("silent");
      default -> false;
    };
  }

  @Override
  public String toString() {
    Map<String, Integer> ends = new TreeMap<>();
    for (RecoveringClient c : clients) {
      RecoveringClient.Disconnect d = end(c, node, atNanos);
      ends.merge(d == null ? "stayed" : d.closeCode() != null ? "close " + d.closeCode()
          : d.end().replaceAll("[0-9]+", "N"), 1, Integer::sum);
    }
    return kind + " of node " + (node + 1) + ": " + clients.size() + " clients on it, ends " + ends;
  }
}
