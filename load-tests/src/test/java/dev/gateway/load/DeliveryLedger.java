package dev.gateway.load;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * What one subscriber received on its channel, checked message by message as it arrives: the
 * channel, a known sender, each sender's sequence without gap, duplicate or reordering, and the
 * publish-to-arrival latency (from the body's timestamp; a delivery over the bound is a problem).
 * Error frames and SockJS close frames are problems too. Problems are reported (and reset) by
 * {@link #report()}, which a check turns into a failed request; {@link #finalReport()} adds what
 * never arrived. Lives in the user's Gatling session; one user runs one step at a time.
 */
public final class DeliveryLedger {

  public static final String KEY = "ledger";
  private static final int MAX_NOTES = 3;

  private final String channel;
  private final String self;
  private final Set<String> senders;
  private final ToIntFunction<String> expectedCount;
  private final RunState state;
  private final LatencyHistogram latency;
  private final long maxLatencyMs;
  private final Map<String, Long> next = new HashMap<>();
  private final Set<String> acks = new HashSet<>();
  private final List<String> notes = new ArrayList<>();
  private int problems;
  private long received;
  private boolean opened;

  /**
   * @param senders       who publishes on the channel (every other sender id is a problem)
   * @param expectedCount messages a sender publishes in all, or -1 while not known yet
   * @param self          own sender id: own messages are checked by the publish step, not here
   */
  public DeliveryLedger(String channel, Set<String> senders, ToIntFunction<String> expectedCount,
                        String self, RunState state, String transport, long maxLatencyMs) {
    this.channel = channel;
    this.senders = senders;
    this.expectedCount = expectedCount;
    this.self = self;
    this.state = state;
    this.latency = state.latency(transport);
    this.maxLatencyMs = maxLatencyMs;
  }

  /** One protocol message (JSON text) that arrived at {@code arrivalMs} (-1: time unknown). */
  public void accept(String text, long arrivalMs) {
    JsonNode m = Frames.parse(text);
    if (m == null || !m.isObject()) {
      problem("not a JSON object: " + abbreviate(text));
      return;
    }
    String type = m.path("type").asText();
    switch (type) {
      case "rec" -> {
        if (channel.equals(m.path("address").asText())) {
          delivery(m.path("body"), arrivalMs);
        }
        // other addresses: replies to this user's requests, checked where they are awaited
      }
      case "ack" -> acks.add(m.path("ack").asText());
      case "err" -> problem("err " + m.path("body").asText() + ": " + m.path("message").asText());
      default -> problem("unexpected message: " + abbreviate(text));
    }
  }

  /**
   * A SockJS response: one xhr poll, or a whole xhr-streaming response ({@code streamed}: only
   * its last message is known to have arrived when the response ended, so only it is timed).
   */
  public void acceptSockJs(String response, long arrivalMs, boolean streamed) {
    List<String> messages = new ArrayList<>();
    for (String frame : Frames.sockJsFrames(response)) {
      switch (frame.charAt(0)) {
        case 'o' -> {
          if (opened) {
            problem("SockJS session opened again: the gateway had lost it (timed out or closed)");
          }
          opened = true;
        }
        case 'a' -> messages.addAll(Frames.sockJsMessages(frame));
        case 'c' -> problem("session closed by the gateway: " + frame);
        default -> problem("unknown SockJS frame: " + abbreviate(frame));
      }
    }
    for (int i = 0; i < messages.size(); i++) {
      // a streamed response is read whole: only its last message's arrival time is known
      accept(messages.get(i), streamed && i < messages.size() - 1 ? -1 : arrivalMs);
    }
  }

  private void delivery(JsonNode body, long arrivalMs) {
    if (body.has("f")) {
      return; // flush padding
    }
    String sender = body.path("p").asText();
    long seq = body.path("s").asLong(-1);
    if (sender.equals(self)) {
      return;
    }
    if (!senders.contains(sender) || seq < 0) {
      problem("message from unknown sender '" + sender + "' seq " + seq);
      return;
    }
    received++;
    if (arrivalMs < 0) {
      latency.recordUntimed();
    } else {
      long lat = arrivalMs - body.path("t").asLong(arrivalMs);
      latency.record(lat);
      if (lat > maxLatencyMs) {
        problem(sender + " seq " + seq + " arrived after " + lat + " ms (bound " + maxLatencyMs + ")");
      }
    }
    long want = next.getOrDefault(sender, 0L);
    if (seq == want) {
      next.put(sender, seq + 1);
    } else if (seq > want) {
      problem(sender + ": expected seq " + want + ", got " + seq + " (" + (seq - want) + " lost)");
      next.put(sender, seq + 1);
    } else {
      problem(sender + ": seq " + seq + " after " + (want - 1) + " (duplicate or out of order)");
    }
  }

  /** The SockJS session's open frame was seen (by the open step): another one means it was lost. */
  public void markOpened() {
    opened = true;
  }

  public boolean acked(String id) {
    return acks.contains(id);
  }

  public void problem(String note) {
    problems++;
    state.problems.incrementAndGet();
    if (notes.size() < MAX_NOTES) {
      notes.add(note);
    }
  }

  /** Every sender has finished and everything it sent has arrived. */
  public boolean complete() {
    for (String s : senders) {
      if (s.equals(self)) {
        continue;
      }
      int want = expectedCount.applyAsInt(s);
      if (want < 0 || next.getOrDefault(s, 0L) < want) {
        return false;
      }
    }
    return true;
  }

  public long received() {
    return received;
  }

  /** Problems since the last report (then forgotten), or null when there were none. */
  public String report() {
    if (problems == 0) {
      return null;
    }
    String r = problems + " delivery problem(s) on " + channel + ", e.g. " + String.join("; ", notes);
    problems = 0;
    notes.clear();
    return r;
  }

  /** {@link #report()} plus every sender whose messages did not all arrive. */
  public String finalReport() {
    List<String> missing = new ArrayList<>();
    for (String s : senders) {
      if (s.equals(self)) {
        continue;
      }
      int want = expectedCount.applyAsInt(s);
      long got = next.getOrDefault(s, 0L);
      if (want < 0) {
        missing.add(s + " never finished (" + got + " so far)");
      } else if (got < want) {
        missing.add(s + " " + got + " of " + want);
      }
    }
    if (!missing.isEmpty()) {
      problems++;
      state.problems.incrementAndGet();
      notes.add(0, "incomplete: " + String.join(", ", missing.subList(0, Math.min(5, missing.size())))
          + (missing.size() > 5 ? " and " + (missing.size() - 5) + " more" : ""));
    }
    return report();
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "...";
  }
}
