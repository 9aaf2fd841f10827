package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/protocol.md's close-code and error-code tables state what {@link CloseReason} and
 * {@link ErrorCode} define: one row per value, no row the code does not know.
 */
class ProtocolDocTest {

  static final String DOC = "docs/protocol.md";

  @Test
  void closeCodeTableIsCloseReasonBothWays() {
    List<List<String>> rows = Docs.table(DOC, "Close code", "Reason (metric tag)", "Meaning", "Reconnect?");
    // code -> "tag, reconnect" as the doc states it and as the enum defines it
    Map<String, String> documented = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    for (List<String> row : rows) {
      String reconnect = row.get(3).startsWith("yes") ? "reconnect"
          : row.get(3).startsWith("no") ? "do not reconnect" : "unclear: '" + row.get(3) + "'";
      if (row.get(2).isBlank()) {
        problems.add(row.get(0) + " has no meaning");
      }
      if (documented.put(row.get(0), Docs.unquote(row.get(1)) + ", " + reconnect) != null) {
        problems.add("two rows for close code " + row.get(0));
      }
    }
    Map<String, String> defined = Arrays.stream(CloseReason.values()).collect(Collectors.toMap(
        r -> Integer.toString(r.code()), r -> r.tag() + ", " + (r.reconnect() ? "reconnect" : "do not reconnect"),
        (a, b) -> a, TreeMap::new));
    assertEquals(List.of(), problems, DOC + " close-code table");
    assertEquals(defined, documented, DOC + "'s close-code table differs from CloseReason"
        + " (code -> tag, reconnect rule; 'Reconnect?' starts with yes or no)");
  }

  @Test
  void gatewayCloseCodesKeepTheDocumentedRanges() {
    String doc = Docs.read(DOC).replaceAll("\\s+", " ");
    assertTrue(doc.contains("**4000–4499 mean \"reconnect, with backoff\"**")
        && doc.contains("**4500–4999 mean \"do not reconnect without changing something\"**"),
        DOC + " no longer states the ranges this test checks");
    for (CloseReason r : CloseReason.values()) {
      if (r.code() >= 4000 && r.code() < 4500) {
        assertTrue(r.reconnect(), r + " is in the reconnect range");
      } else if (r.code() >= 4500 && r.code() < 5000) {
        assertTrue(!r.reconnect(), r + " is in the do-not-reconnect range");
      }
    }
  }

  @Test
  void errorCodeTableIsErrorCodeBothWays() {
    List<List<String>> rows = Docs.table(DOC, "Error code", "Meaning");
    List<String> documented = new ArrayList<>();
    for (List<String> row : rows) {
      assertTrue(!row.get(1).isBlank(), row.get(0) + " has no meaning in " + DOC);
      documented.add(Docs.unquote(row.get(0)));
    }
    List<String> defined = Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).toList();
    assertEquals(defined.stream().sorted().toList(), documented.stream().sorted().toList(),
        DOC + "'s error-code table differs from ErrorCode");
    assertEquals(documented.size(), documented.stream().distinct().count(), "duplicate rows in " + DOC);
  }
}
