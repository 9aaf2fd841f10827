package dev.gateway.user;

import dev.gateway.connection.Connection;
import dev.gateway.connection.LoopConnections;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * What this node does to a user's connections: each event loop's connections are indexed by user
 * ({@link LoopConnections#ofUser}), and every command runs on each loop in turn of that loop's
 * own context, so a connection is only ever touched on its loop and nothing waits for another
 * thread. A command is a JSON object ({@code op}, {@code user}, ...; see {@link #apply}); its
 * answer says what this node did.
 *
 * <p>Guarantees: a connection open on this node when the command reaches its loop is acted on
 * once (the index holds open connections only, each once); one opened later is not. A
 * {@code publish} is encoded once for the node and offered to each connection as a broadcast is
 * (dropped and counted when the connection's outbound queue is full). Thread-safe.
 */
public final class NodeUsers {

  /** Listing stops at about this many bytes per node (then the answer says {@code truncated}). */
  static final int MAX_LIST_BYTES = 512 * 1024;

  private record Loop(LoopConnections connections, ProtocolHandler protocol) {
  }

  private final List<Loop> loops = new CopyOnWriteArrayList<>();

  /** Adds an event loop's connections (each server instance registers its own when it starts). */
  public void register(LoopConnections connections, ProtocolHandler protocol) {
    loops.add(new Loop(connections, protocol));
  }

  /**
   * Runs a command on every loop and sums up the answers: {@code {"connections":N, ...}} with,
   * by {@code op}: {@code publish} ({@code address}, {@code body}, {@code headers}) the number
   * {@code dropped}; {@code disconnect} ({@code reason}) nothing more; {@code subscribe} and
   * {@code unsubscribe} ({@code address}) the {@code outcomes} counted by outcome
   * ({@link dev.gateway.connection.ServerSubscriptions#SUBSCRIBED} and the others);
   * {@code connections} the {@code list} of {@code {"client","transport","channels"}} and
   * whether it was {@code truncated}.
   */
  public Future<JsonObject> apply(JsonObject command) {
    String user = command.getString("user");
    String op = command.getString("op", "");
    Function<Loop, Future<JsonObject>> action = switch (op) {
      case "publish" -> publish(user, command);
      case "disconnect" -> {
        String reason = command.getString("reason", CloseReason.DISCONNECTED.text());
        yield loop -> {
          List<Connection> of = loop.connections().ofUser(user);
          of.forEach(c -> c.close(CloseReason.DISCONNECTED, reason));
          return Future.succeededFuture(new JsonObject().put("connections", of.size()));
        };
      }
      case "subscribe" -> subscribe(user, command.getString("address"));
      case "unsubscribe" -> unsubscribe(user, command.getString("address"));
      case "connections" -> list(user);
      default -> null;
    };
    if (user == null || action == null) {
      return Future.failedFuture("not a command: " + op);
    }
    List<Future<JsonObject>> perLoop = new ArrayList<>();
    for (Loop loop : loops) {
      perLoop.add(onLoop(loop, action));
    }
    return Future.all(perLoop).map(all -> sum(op, perLoop));
  }

  private static Function<Loop, Future<JsonObject>> publish(String user, JsonObject command) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    JsonObject h = command.getJsonObject("headers");
    if (h != null) {
      h.forEach(e -> {
        if (e.getValue() != null) {
          headers.add(e.getKey(), String.valueOf(e.getValue()));
        }
      });
    }
    // encoded once for the node: every connection of every loop writes the same bytes
    Outbound message = Outbound.direct(ProtocolCodec.rec(command.getString("address"),
        command.getValue("body"), headers));
    return loop -> {
      List<Connection> of = loop.connections().ofUser(user);
      // {sent, dropped} by transport, counted as the fan-out counts them
      Map<String, int[]> tally = new TreeMap<>();
      int dropped = 0;
      for (Connection c : of) {
        boolean written = c.deliver(message);
        tally.computeIfAbsent(c.transportName(), t -> new int[2])[written ? 0 : 1]++;
        dropped += written ? 0 : 1;
      }
      tally.forEach((transport, n) -> {
        loop.connections().metrics().messagesSent(transport, n[0], (long) n[0] * message.size());
        if (n[1] > 0) {
          loop.connections().metrics().messagesDropped(transport, n[1]);
        }
      });
      return Future.succeededFuture(new JsonObject().put("connections", of.size())
          .put("dropped", dropped));
    };
  }

  private static Function<Loop, Future<JsonObject>> subscribe(String user, String address) {
    return loop -> {
      List<Connection> of = loop.connections().ofUser(user);
      List<Future<String>> outcomes = new ArrayList<>();
      for (Connection c : of) {
        outcomes.add(loop.protocol().serverSide().subscribe(c, address));
      }
      return Future.all(outcomes).map(all -> outcomes(of.size(), outcomes.stream()
          .map(Future::result).toList()));
    };
  }

  private static Function<Loop, Future<JsonObject>> unsubscribe(String user, String address) {
    return loop -> {
      List<Connection> of = loop.connections().ofUser(user);
      List<String> outcomes = new ArrayList<>();
      for (Connection c : of) {
        outcomes.add(loop.protocol().serverSide().unsubscribe(c, address));
      }
      return Future.succeededFuture(outcomes(of.size(), outcomes));
    };
  }

  private static JsonObject outcomes(int connections, List<String> outcomes) {
    JsonObject counts = new JsonObject();
    for (String o : outcomes) {
      counts.put(o, counts.getInteger(o, 0) + 1);
    }
    return new JsonObject().put("connections", connections).put("outcomes", counts);
  }

  private static Function<Loop, Future<JsonObject>> list(String user) {
    return loop -> {
      List<Connection> of = loop.connections().ofUser(user);
      JsonArray list = new JsonArray();
      for (Connection c : of) {
        list.add(new JsonObject().put("client", c.clientId()).put("transport", c.transportName())
            .put("channels", new JsonArray(new ArrayList<>(new TreeSet<>(c.channels())))));
      }
      return Future.succeededFuture(new JsonObject().put("connections", of.size())
          .put("list", list));
    };
  }

  /** The answers of every loop as one answer of the node. */
  private static JsonObject sum(String op, List<Future<JsonObject>> perLoop) {
    JsonObject total = new JsonObject().put("connections", 0);
    JsonArray list = new JsonArray();
    int listBytes = 0;
    boolean truncated = false;
    for (Future<JsonObject> f : perLoop) {
      JsonObject a = f.result();
      total.put("connections", total.getInteger("connections") + a.getInteger("connections"));
      if (a.containsKey("dropped")) {
        total.put("dropped", total.getInteger("dropped", 0) + a.getInteger("dropped"));
      }
      JsonObject outcomes = a.getJsonObject("outcomes");
      if (outcomes != null) {
        JsonObject sums = total.getJsonObject("outcomes", new JsonObject());
        outcomes.forEach(e -> sums.put(e.getKey(), sums.getInteger(e.getKey(), 0)
            + ((Number) e.getValue()).intValue()));
        total.put("outcomes", sums);
      }
      JsonArray l = a.getJsonArray("list");
      if (l != null) {
        for (Object entry : l) {
          int size = ((JsonObject) entry).encode().getBytes(StandardCharsets.UTF_8).length + 1;
          if (listBytes + size > MAX_LIST_BYTES) {
            truncated = true;
            break;
          }
          listBytes += size;
          list.add(entry);
        }
      }
    }
    if (op.equals("connections")) {
      total.put("list", list).put("truncated", truncated);
    }
    return total;
  }

  /** Runs the action on the loop's own context; the future completes with its answer. */
  private static Future<JsonObject> onLoop(Loop loop, Function<Loop, Future<JsonObject>> action) {
    Promise<JsonObject> answer = Promise.promise();
    loop.connections().context().runOnContext(v -> {
      try {
        action.apply(loop).onComplete(answer);
      } catch (RuntimeException e) {
        answer.tryFail(e);
      }
    });
    return answer.future();
  }
}
