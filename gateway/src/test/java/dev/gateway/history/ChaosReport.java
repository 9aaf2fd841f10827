package dev.gateway.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.chaos.ChannelLedger;
import dev.gateway.support.chaos.ChaosPublisher;
import dev.gateway.support.chaos.RecoveringClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The end of {@link HistoryChaosIT}: every client's ledgers against the channels' histories,
 * every {@code recovered:false} with its reason, the publishers' acks against history, and the
 * slow consumers' closes; a summary for the log and the assertions.
 */
final class ChaosReport {

  private static final int SHOW = 25;
  private final List<RecoveringClient> clients;
  private final List<RecoveringClient> slow;
  private final Map<String, JsonObject> histories;
  private final ChaosPublisher publisher;
  final List<String> violations = new ArrayList<>();
  final List<String> mismatches = new ArrayList<>();
  final List<String> unjustified = new ArrayList<>();
  final List<String> lostPublications = new ArrayList<>();
  final List<String> errors = new ArrayList<>();
  final List<String> drops = new ArrayList<>();
  final Map<String, Integer> reasons = new TreeMap<>();
  final Map<String, Integer> endings;
  private final List<Fault> faults;
  long checked;
  int recoveries;
  int epochChanges;
  int received;

  ChaosReport(List<RecoveringClient> clients, List<RecoveringClient> slow,
              Map<String, JsonObject> histories, ChaosPublisher publisher, List<Fault> faults) {
    this.faults = faults;
    this.clients = clients;
    this.slow = slow;
    this.histories = histories;
    this.publisher = publisher;
    this.endings = HistoryChaosIT.endings(clients);
    long[] count = new long[1];
    for (RecoveringClient c : clients) {
      for (ChannelLedger l : c.ledgers()) {
        l.violations().forEach(v -> violations.add(c.name + " " + l.channel + ": " + v));
        l.drops().forEach(d -> drops.add(c.name + " " + l.channel + ": " + d));
        mismatches.addAll(l.verify(histories.get(l.channel), count));
        for (ChannelLedger.NotRecovered n : l.notRecovered()) {
          reasons.merge(n.justified() ? n.reason : "unjustified", 1, Integer::sum);
          if (!n.justified()) {
            unjustified.add(c.name + " " + l.channel + ": " + n);
          }
        }
        recoveries += l.recoveries();
        epochChanges += l.epochChanges().size();
        received += l.received();
      }
      c.errors().forEach(e -> errors.add(c.name + ": " + e));
    }
    checked = count[0];
    histories.forEach((ch, h) -> lostPublications.addAll(publisher.verify(ch, h)));
  }

  String summary(long elapsedMs) {
    StringBuilder b = new StringBuilder("HistoryChaosIT summary after ").append(elapsedMs)
        .append(" ms:\n");
    histories.forEach((ch, h) -> b.append("  ").append(ch).append(" at ").append(h.getString("offset"))
        .append("@").append(h.getString("epoch")).append(", ").append(publisher.acked(ch).size())
        .append(" acked publications\n"));
    b.append("  publisher retries ").append(publisher.retries()).append("; clients received ")
        .append(received).append(" recs, ").append(checked).append(" retained offsets compared;")
        .append(" recovered:true ").append(recoveries).append(", recovered:false ").append(reasons)
        .append(", live epoch changes ").append(epochChanges).append("\n  connection ends ")
        .append(endings).append("\n");
    for (Fault f : faults) {
      b.append("  ").append(f).append("\n");
    }
    section(b, "slow-consumer drops seen (then recovered)", drops);
    section(b, "violations", violations);
    section(b, "mismatches with history", mismatches);
    section(b, "unjustified recovered:false", unjustified);
    section(b, "acked publications not in history", lostPublications);
    section(b, "err messages", errors);
    return b.toString();
  }

  /** Writes every finding (the summary shows the first few of each) to {@code file}. */
  void write(java.nio.file.Path file) throws java.io.IOException {
    List<String> all = new ArrayList<>();
    for (List<String> l : List.of(violations, mismatches, unjustified, lostPublications, errors)) {
      all.addAll(l);
      all.add("----");
    }
    for (RecoveringClient c : clients) {
      all.add(c.name + " disconnects: " + c.disconnects());
      for (ChannelLedger l : c.ledgers()) {
        if (!l.epochChanges().isEmpty() || !l.notRecovered().isEmpty()) {
          all.add(c.name + " " + l.channel + " epoch changes " + l.epochChanges() + ", "
              + l.notRecovered());
        }
      }
    }
    java.nio.file.Files.createDirectories(file.getParent());
    java.nio.file.Files.write(file, all);
  }

  private static void section(StringBuilder b, String title, List<String> items) {
    if (items.isEmpty()) {
      return;
    }
    b.append("  ").append(items.size()).append(" ").append(title).append(":\n");
    items.stream().limit(SHOW).forEach(i -> b.append("    ").append(i).append("\n"));
  }

  void assertAll() {
    List<String> slowWithout4000 = new ArrayList<>();
    for (RecoveringClient c : slow) {
      if (c.disconnects().stream().noneMatch(d -> Integer.valueOf(4000).equals(d.closeCode()))) {
        slowWithout4000.add(c.name + " " + c.disconnects());
      }
    }
    assertEquals(List.of(), first(violations), violations.size() + " ledger violations");
    assertEquals(List.of(), first(mismatches), mismatches.size() + " mismatches with history");
    assertEquals(List.of(), first(unjustified), unjustified.size() + " unjustified recovered:false");
    assertEquals(List.of(), first(lostPublications), lostPublications.size()
        + " acked publications not in history where they were acked");
    assertEquals(List.of(), first(errors), errors.size() + " err messages to clients");
    assertEquals(List.of(), slowWithout4000, "slow consumers never closed with 4000");
    for (Fault f : faults) {
      assertTrue(f.clients().size() >= 10, f + ": too few clients on the node to mean anything");
      assertEquals(List.of(), f.stayed(), f + ": clients that did not leave the node");
      assertEquals(List.of(), f.wrongEnd(), f + ": clients whose connection ended otherwise");
    }
    assertTrue(endings.getOrDefault("close 1001", 0) > 0, "no client saw a 1001 close in the"
        + " rolling restart: " + endings);
    assertTrue(recoveries > 0, "no recovered:true at all");
    assertTrue(checked > 0, "nothing compared with history");
  }

  private static List<String> first(List<String> items) {
    return items.stream().limit(SHOW).toList();
  }
}
