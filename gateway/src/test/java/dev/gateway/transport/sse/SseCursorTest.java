package dev.gateway.transport.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SSE cursor's form: what is written reads back the same, within the bound it promises. */
class SseCursorTest {

  @Test
  void positionsAndTheTerminalFlagReadBackAsWritten() throws Exception {
    Map<String, SseCursor.Position> p = new LinkedHashMap<>();
    p.put("chat.lobby", new SseCursor.Position("9f2c51d07a3e8b14", 42));
    p.put("chat.empty", new SseCursor.Position("", 0));
    p.put("chat.other", new SseCursor.Position("Not-Hex-Epoch", Long.MAX_VALUE));
    for (boolean terminal : new boolean[] {false, true}) {
      SseCursor back = SseCursor.decode(new SseCursor(p, terminal).encode(), 4096);
      assertEquals(p, back.positions());
      assertEquals(terminal, back.terminal());
    }
    assertEquals("AQAKY2hhdC5sb2JieQGfLFHQej6LFCo", new SseCursor(
        Map.of("chat.lobby", new SseCursor.Position("9f2c51d07a3e8b14", 42)), false).encode(),
        "the example of docs/protocol.md");
  }

  @Test
  void theWorstCaseBoundsEveryCursorOfThoseChannels() {
    List<String> channels = new ArrayList<>();
    Map<String, SseCursor.Position> p = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      String c = "chat.room-" + i + "-é";
      channels.add(c);
      p.put(c, new SseCursor.Position("ffffffffffffffff", Long.MAX_VALUE));
      int encoded = SseCursor.encode(p, true).length();
      assertTrue(encoded <= SseCursor.worstCaseLength(channels), encoded + " > bound at " + i);
    }
  }

  @Test
  void anythingElseIsInvalid() {
    for (String bad : new String[] {"", "!!!", "AA", "CQA", "AQI", "AQAFY2hhdA", "AQABYQAF",
        "AQABYQEAAAA", "AQAAAAA", "AQABYQCAgICAgICAgICAAQ"}) {
      assertThrows(SseCursor.Invalid.class, () -> SseCursor.decode(bad, 4096), bad);
    }
    String ok = new SseCursor(Map.of("chat.a", new SseCursor.Position("", 0)), false).encode();
    assertThrows(SseCursor.Invalid.class, () -> SseCursor.decode(ok, ok.length() - 1), "over the bound");
  }
}
