package dev.gateway.user;

import dev.gateway.cluster.ClusterSeal;
import dev.gateway.internal.VertxInternals;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.ArrayList;
import java.util.List;

/**
 * User commands across the cluster: every node has one event-bus consumer of its own,
 * {@code gateway.internal.users.<node id>} (the cluster manager's node id; {@code local} on a
 * single node), and a command for a user is sent to each member's address in turn, with a
 * timeout, so that every node answers what it did and the caller knows which did not answer.
 *
 * <p>Guarantees: a command is acted on only when it opens with the cluster secret for the
 * receiving node's own address ({@link ClusterSeal#open}: anything else is dropped unanswered and
 * counted in {@code gateway_cluster_messages_rejected_total}); a command or an answer over its
 * bound is refused the same way ({@code too_big}). An answer is taken only if it opens for its
 * request ({@link ClusterSeal#openReply}). {@link #toEveryNode} never fails: a node that does
 * not answer within {@code users.nodeTimeoutMs} (gone, busy, not a gateway) is named in
 * {@link Gathered#unanswered}. A node that joins while a command travels may miss it.
 */
public final class UserCommands {

  /** The prefix of each node's address. */
  public static final String PREFIX = "gateway.internal.users.";
  /** The largest answer a node sends or takes (a connections list is cut before it). */
  static final int MAX_ANSWER_BYTES = 1024 * 1024;

  /** What every node answered, and the nodes that did not (with why). */
  public record Gathered(List<JsonObject> answers, List<JsonObject> unanswered) {

    /** The connections all answers counted. */
    public int connections() {
      return answers.stream().mapToInt(a -> a.getInteger("connections", 0)).sum();
    }
  }

  private final Vertx vertx;
  private final ClusterSeal seal;
  private final NodeUsers users;
  private final UserBans bans;
  private final GatewayMetrics metrics;
  private final long timeoutMs;
  private final int maxCommandBytes;
  private final ClusterManager cluster;
  private final String nodeId;

  /**
   * @param maxCommandBytes the largest command taken (its publish body included), sealed
   */
  public UserCommands(Vertx vertx, ClusterSeal seal, NodeUsers users, UserBans bans,
                      GatewayMetrics metrics, long timeoutMs, int maxCommandBytes) {
    this.vertx = vertx;
    this.seal = seal;
    this.users = users;
    this.bans = bans;
    this.metrics = metrics;
    this.timeoutMs = timeoutMs;
    this.maxCommandBytes = maxCommandBytes;
    this.cluster = VertxInternals.clusterManager(vertx);
    this.nodeId = cluster == null ? "local" : cluster.getNodeId();
  }

  /** This node's name in answers. */
  public String nodeId() {
    return nodeId;
  }

  /** The largest command accepted, sealed. */
  public int maxCommandBytes() {
    return maxCommandBytes;
  }

  /** Registers this node's consumer; completes once the registration reached the cluster. */
  public Future<Void> start() {
    return vertx.eventBus().<Object>consumer(address(nodeId), this::onCommand).completion();
  }

  static String address(String node) {
    return PREFIX + node;
  }

  /**
   * Sends the command to every node of the cluster (this one included) and gathers the answers.
   * Fails only when the command itself is over the bound.
   */
  public Future<Gathered> toEveryNode(JsonObject command) {
    Buffer payload = command.toBuffer();
    if (payload.length() > maxCommandBytes) {
      return Future.failedFuture(new IllegalArgumentException("command over "
          + maxCommandBytes + " bytes"));
    }
    List<String> nodes = cluster == null ? List.of(nodeId) : cluster.getNodes();
    List<Future<JsonObject>> asked = new ArrayList<>();
    for (String node : nodes) {
      asked.add(ask(node, payload));
    }
    return Future.join(asked).transform(done -> {
      List<JsonObject> answers = new ArrayList<>();
      List<JsonObject> unanswered = new ArrayList<>();
      for (Future<JsonObject> f : asked) {
        JsonObject a = f.result();
        (a.containsKey("unanswered") ? unanswered : answers).add(a);
      }
      return Future.succeededFuture(new Gathered(answers, unanswered));
    });
  }

  /** One node's answer, or {@code {"node","unanswered":why}}; never fails. */
  private Future<JsonObject> ask(String node, Buffer payload) {
    String to = address(node);
    Buffer request = seal.seal(to, payload);
    return vertx.eventBus().request(to, request, new DeliveryOptions().setSendTimeout(timeoutMs))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.succeededFuture(unanswered(node, ar.cause() instanceof
                io.vertx.core.eventbus.ReplyException re ? re.failureType().name().toLowerCase(
                    java.util.Locale.ROOT) : "failed"));
          }
          Object body = ar.result().body();
          if (body instanceof Buffer b && b.length() > MAX_ANSWER_BYTES + 64) {
            metrics.clusterMessageRejected("too_big");
            return Future.succeededFuture(unanswered(node, "refused"));
          }
          Buffer answer = seal.openReply(request, body);
          try {
            return Future.succeededFuture(answer == null ? unanswered(node, "refused")
                : new JsonObject(answer).put("node", node));
          } catch (DecodeException | ClassCastException e) {
            return Future.succeededFuture(unanswered(node, "refused"));
          }
        });
  }

  private static JsonObject unanswered(String node, String why) {
    return new JsonObject().put("node", node).put("unanswered", why);
  }

  private void onCommand(Message<Object> msg) {
    if (msg.body() instanceof Buffer b && b.length() > maxCommandBytes + 64) {
      metrics.clusterMessageRejected("too_big");
      return; // no answer: the sender counts this node as unanswered
    }
    Buffer payload = seal.open(address(nodeId), msg.body());
    if (payload == null) {
      return; // not from a node of this cluster (counted)
    }
    JsonObject command;
    try {
      command = new JsonObject(payload);
    } catch (DecodeException e) {
      return;
    }
    Buffer request = (Buffer) msg.body();
    if (command.getValue("banUntil") instanceof Number until
        && command.getValue("user") instanceof String user) {
      bans.remember(user, until.longValue()); // before any connection closes: no reconnect slips in
    }
    if ("ban".equals(command.getString("op"))) {
      msg.reply(seal.sealReply(request, new JsonObject().put("connections", 0).toBuffer()));
      return;
    }
    users.apply(command).onComplete(ar -> {
      JsonObject answer = ar.succeeded() ? ar.result()
          : new JsonObject().put("connections", 0).put("error", "not a command");
      msg.reply(seal.sealReply(request, answer.toBuffer()));
    });
  }
}
