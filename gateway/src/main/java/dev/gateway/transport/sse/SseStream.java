package dev.gateway.transport.sse;

import dev.gateway.connection.ClientTransport;
import dev.gateway.connection.Connection;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code GET /sse} response as a {@link ClientTransport}. The connection registers to the
 * URL's channels through the protocol handler like any client (each register carries an ack id,
 * its channel's index); this transport reads those answers instead of writing them. Until every
 * register is answered nothing is written (not even the status line): a refused register answers
 * the whole request with its HTTP status and JSON error; otherwise the stream opens with
 * {@code retry:} and one {@code event: subscribed} holding every channel's register outcome and
 * the first cursor, then the publications that waited (counted in the connection's queue all
 * along), then the live ones.
 *
 * <p>Each publication is one event: {@code data:} the {@code rec} JSON (shared by every stream
 * of the node, {@link #DATA}), preceded by {@code id:} (the {@link SseCursor}) whenever a stream
 * position moved. A close is a last {@code event: close} with {@code data: {"code":..,"reason":..}}
 * (and, for a terminal code, a cursor flagged terminal, so the EventSource's reconnect is answered
 * 204), then the end of the response. Confined to the request's event loop.
 */
final class SseStream implements ClientTransport {

  static final String NAME = "sse";

  private static final byte[] DATA_PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final Buffer HEARTBEAT = Buffer.buffer(":\n");

  /** {@code data: <rec JSON>\n}: built once per message and node, shared by every stream. */
  static final Outbound.Encoding<byte[]> DATA = new Outbound.Encoding<>() {
    @Override
    protected byte[] encode(Outbound message) {
      return dataLines(message.bytes());
    }
  };

  private enum State { REGISTERING, STREAMING, CLOSED }

  private record Waiting(Outbound message, Promise<Void> written) {
  }

  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Vertx vertx;
  private final SseEndpoint.Settings settings;
  private final List<String> channels;
  /** The cursor of the request (null for a fresh stream). */
  private final SseCursor resumedFrom;
  /** Where the client is, per history channel: what the next {@code id:} says. */
  private final Map<String, SseCursor.Position> positions = new LinkedHashMap<>();
  private final JsonObject[] outcomes;
  private final List<Waiting> waiting = new ArrayList<>();
  /** Server-side subscription notices that arrived before the stream opened: type, outcome. */
  private final List<JsonObject> notices = new ArrayList<>();
  /** Most notices kept before the stream opens (a few per claimed channel at most, in practice). */
  private static final int MAX_NOTICES = 1024;
  private int answered;
  private JsonObject refusal;
  private Connection connection;
  private State state = State.REGISTERING;
  private long heartbeat = -1;
  private boolean ended;

  SseStream(HttpServerRequest request, SseEndpoint.Settings settings, List<String> channels,
            SseCursor resumedFrom) {
    this.request = request;
    this.response = request.response();
    this.vertx = Vertx.currentContext().owner();
    this.settings = settings;
    this.channels = channels;
    this.resumedFrom = resumedFrom;
    this.outcomes = new JsonObject[channels.size()];
    response.closeHandler(v -> finish(CloseReason.CLIENT_CLOSED));
    response.exceptionHandler(e -> finish(CloseReason.TRANSPORT_ERROR));
  }

  /** The connection this stream is the transport of (set once, right after it exists). */
  void attach(Connection c) {
    this.connection = c;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<Void> write(Outbound message) {
    if (message.channel() == null) {
      answer(message); // a register's ack or err: read, never written as such
      return Future.succeededFuture();
    }
    if (state == State.REGISTERING) {
      Promise<Void> written = Promise.promise();
      waiting.add(new Waiting(message, written));
      return written.future();
    }
    if (state != State.STREAMING) {
      return Future.succeededFuture();
    }
    return response.write(event(message));
  }

  /** A direct reply: the answer to the register of the channel its ack id names. */
  private void answer(Outbound reply) {
    JsonObject j;
    try {
      j = new JsonObject(reply.text());
    } catch (RuntimeException e) {
      return;
    }
    String type = j.getString("type");
    if ("subscribed".equals(type) || "unsubscribed".equals(type)) {
      notice(type, j);
      return;
    }
    int index = index(j.getValue("ack"));
    if (state != State.REGISTERING || index < 0 || outcomes[index] != null) {
      return;
    }
    String channel = channels.get(index);
    JsonObject outcome = new JsonObject().put("address", channel);
    if ("err".equals(type)) {
      outcome.put("error", j.getString("body"));
      if (refusal == null) {
        refusal = new JsonObject().put("error", j.getString("body"))
            .put("message", j.getString("message"));
      }
    } else if (j.containsKey("recovered")) {
      outcome(channel, j, outcome);
    } else if (resumedFrom != null) {
      // a channel without history: nothing of what was published meanwhile comes back
      outcome.put("recovered", false).put("reason", "no_history");
    }
    outcomes[index] = outcome;
    if (++answered == outcomes.length) {
      opened();
    }
  }

  /** A register's or a server-side subscription's answer: its outcome, the cursor's position. */
  private void outcome(String channel, JsonObject answer, JsonObject outcome) {
    Boolean recovered = answer.getBoolean("recovered");
    if (recovered != null) {
      outcome.put("recovered", recovered);
    }
    if (answer.getString("offset") != null) {
      outcome.put("offset", answer.getString("offset")).put("epoch", answer.getString("epoch"));
      SseCursor.Position asked = resumedFrom == null ? null : resumedFrom.positions().get(channel);
      // recovered: the replay is still to come, so the client is where it said it was
      positions.put(channel, Boolean.TRUE.equals(recovered) && asked != null ? asked
          : new SseCursor.Position(answer.getString("epoch"),
              Long.parseLong(answer.getString("offset"))));
    }
    if (answer.getString("reason") != null) {
      outcome.put("reason", answer.getString("reason"));
    }
  }

  /**
   * A server-side subscription made or ended (the token's channels claim, the users API): an
   * event of the first event's form, {@code event: subscribed} (or {@code unsubscribed}) with
   * {@code data: {"channels":[outcome]}}, and the cursor where the channel now starts. Before the
   * stream opens, they wait and follow its first event.
   */
  private void notice(String type, JsonObject j) {
    String channel = j.getString("channel");
    if (channel == null || state == State.CLOSED) {
      return;
    }
    JsonObject outcome = new JsonObject().put("address", channel);
    if ("subscribed".equals(type)) {
      outcome(channel, j, outcome);
    } else {
      positions.remove(channel);
    }
    if (state == State.REGISTERING) {
      if (notices.size() < MAX_NOTICES) {
        notices.add(new JsonObject().put("type", type).put("outcome", outcome));
      }
    } else {
      response.write(noticeEvent(type, outcome));
    }
  }

  /** The notice as an event, with the cursor as it is when it is written. */
  private String noticeEvent(String type, JsonObject outcome) {
    return "event: " + type + "\nid: " + SseCursor.encode(positions, false) + "\ndata: "
        + new JsonObject().put("channels", new JsonArray().add(outcome)).encode() + "\n\n";
  }

  private int index(Object ack) {
    if (!(ack instanceof String s) || s.isEmpty() || s.length() > 4) {
      return -1;
    }
    try {
      int i = Integer.parseInt(s);
      return i < outcomes.length ? i : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Every register answered: refuse the request, or open the stream. */
  private void opened() {
    if (refusal != null) {
      connection.close(SseEndpoint.closeReasonOf(refusal.getString("error")));
      return;
    }
    state = State.STREAMING;
    head(200);
    String subscribed = new JsonObject().put("channels", new JsonArray(List.of((Object[]) outcomes)))
        .encode();
    response.write("retry: " + settings.retryMs() + "\nevent: subscribed\nid: "
        + SseCursor.encode(positions, false) + "\ndata: " + subscribed + "\n\n");
    for (JsonObject n : notices) {
      response.write(noticeEvent(n.getString("type"), n.getJsonObject("outcome")));
    }
    notices.clear();
    for (Waiting w : waiting) {
      response.write(event(w.message())).onComplete(w.written());
    }
    waiting.clear();
    heartbeat = vertx.setPeriodic(settings.heartbeatMs(), t -> heartbeat());
  }

  private void head(int status) {
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("X-Accel-Buffering", "no")
        .setChunked(true);
  }

  /** One publication: {@code id:} when a position moved, then the shared {@code data:} line. */
  private Buffer event(Outbound m) {
    byte[] data = m.encoded(DATA);
    Buffer b;
    if (m.offset() > 0 && m.epoch() != null) {
      positions.put(m.channel(), new SseCursor.Position(m.epoch(), m.offset()));
      String id = SseCursor.encode(positions, false);
      b = Buffer.buffer(id.length() + data.length + 6).appendString("id: ").appendString(id)
          .appendByte((byte) '\n');
    } else {
      b = Buffer.buffer(data.length + 1);
    }
    return b.appendBytes(data).appendByte((byte) '\n');
  }

  /** A comment line, counted in the connection's queue like any control frame. */
  private void heartbeat() {
    if (state == State.STREAMING && connection.queueControl(HEARTBEAT.length())) {
      response.write(HEARTBEAT).onComplete(ar -> connection.controlWritten(HEARTBEAT.length()));
    }
  }

  @Override
  public void close(CloseReason reason, String text) {
    State was = state;
    if (was == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    cancelHeartbeat();
    for (Waiting w : waiting) {
      w.written().tryComplete(); // never written: they leave the queue
    }
    waiting.clear();
    if (was == State.REGISTERING && refusal != null) {
      refuse(reason);
      return;
    }
    if (was == State.REGISTERING) {
      head(200); // closed before it opened (a drain, say): the client is told why, and retries
      response.write("retry: " + settings.retryMs() + "\n");
    }
    StringBuilder close = new StringBuilder("event: close\n");
    if (!reason.reconnect()) {
      close.append("id: ").append(SseCursor.encode(positions, true)).append('\n');
    }
    JsonObject data = new JsonObject().put("code", reason.code()).put("reason", reason.tag());
    if (text != null && !text.equals(reason.text())) {
      data.put("message", text); // a reason given by the gateway's operator (users API disconnect)
    }
    close.append("data: ").append(data.encode()).append("\n\n");
    response.end(close.toString()).onComplete(ar -> finish(reason));
  }

  /** A refused register: the whole request gets its status and JSON error, no stream. */
  private void refuse(CloseReason reason) {
    String error = refusal.getString("error");
    int status = SseEndpoint.statusOf(error);
    settings.metrics().handshakeRejected(error);
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    if (status == 503) {
      response.putHeader(HttpHeaders.RETRY_AFTER, "5");
    }
    response.end(refusal.encode()).onComplete(ar -> finish(reason));
  }

  @Override
  public void terminate() {
    request.connection().close();
    finish(CloseReason.TRANSPORT_ERROR);
  }

  @Override
  public boolean writable() {
    return !response.writeQueueFull();
  }

  /** No probe: a stream has no way back; the heartbeat comments find a vanished client. */
  @Override
  public boolean ping() {
    return false;
  }

  /**
   * Nothing is read from an SSE client after its request, so reading is as good as paused: the
   * registrations of a stream with many channels are not refused at {@code maxPendingRequests}.
   */
  @Override
  public boolean pause() {
    return true;
  }

  @Override
  public void resume() {
  }

  /**
   * A server-side subscription (users API) to a history channel is taken only while the cursor of
   * every history channel of the stream still fits in {@code sse.maxCursorBytes}: a longer one
   * would be refused when the EventSource sends it back.
   */
  @Override
  public boolean mayAddChannel(java.util.Set<String> channels, String address) {
    if (!settings.keepsHistory().test(address)) {
      return true;
    }
    List<String> history = new ArrayList<>();
    for (String channel : channels) {
      if (settings.keepsHistory().test(channel)) {
        history.add(channel);
      }
    }
    history.add(address);
    return SseCursor.worstCaseLength(history) <= settings.maxCursorBytes();
  }

  private void finish(CloseReason reason) {
    if (ended) {
      return;
    }
    ended = true;
    state = State.CLOSED;
    cancelHeartbeat();
    for (Waiting w : waiting) {
      w.written().tryComplete();
    }
    waiting.clear();
    if (connection != null) {
      connection.ended(reason);
    }
  }

  private void cancelHeartbeat() {
    if (heartbeat != -1) {
      vertx.cancelTimer(heartbeat);
      heartbeat = -1;
    }
  }

  /**
   * {@code data: } lines of a message: one per line of it (a compact JSON message has one; any
   * CR, LF or CRLF in it, whitespace between JSON tokens, starts another, which EventSource joins
   * back with LF).
   */
  static byte[] dataLines(byte[] utf8) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(utf8.length + 8);
    out.writeBytes(DATA_PREFIX);
    for (int i = 0; i < utf8.length; i++) {
      byte b = utf8[i];
      if (b == '\r' || b == '\n') {
        if (b == '\r' && i + 1 < utf8.length && utf8[i + 1] == '\n') {
          i++;
        }
        out.write('\n');
        out.writeBytes(DATA_PREFIX);
      } else {
        out.write(b);
      }
    }
    out.write('\n');
    return out.toByteArray();
  }
}
