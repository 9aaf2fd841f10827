package dev.gateway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fuzzes the client-message decoder with arbitrary text.
 *
 * <p>Invariants: decoding either succeeds or throws {@link ProtocolException} (nothing else);
 * {@code decode} and {@code decodeEnvelope} agree; every decoded address is non-empty and at most
 * 255 characters; a {@code token} header (any case) is taken out into the envelope and never
 * left in a Publish/Send's headers, nor is a reserved {@code gateway.} header; the {@code rec}
 * frame the gateway would send for a decoded Publish/Send parses back with the same address,
 * body and headers.
 *
 * <p>A plain {@code mvn test} runs this in Jazzer's regression mode: it replays the seeds in
 * {@code src/test/resources/dev/gateway/protocol/ProtocolCodecFuzzTestInputs/decodeAnyText/}
 * (one input per file: the raw bytes behind the FuzzedDataProvider, read back as text; ASCII and
 * 2-3 byte UTF-8 come back as themselves, so write characters outside the BMP as JSON escapes)
 * plus an empty input, in a few seconds. Seeds named {@code finding_*} are inputs the fuzzer
 * found that break an invariant. To fuzz for real:
 * <pre>
 *   JAZZER_FUZZ=1 mvn -B -pl gateway test -Dtest=ProtocolCodecFuzzTest
 * </pre>
 * which runs for {@code maxDuration} (2 minutes, about 3 million inputs here; change it in the
 * annotation), keeps the inputs that reached new code in {@code gateway/.cifuzz-corpus/} (do not
 * commit it) and stops at the first finding, written as {@code crash-*} into the inputs
 * directory above: from then on it fails every regression run, so rename it and commit it with
 * the fix.
 */
class ProtocolCodecFuzzTest {

  private static final int MAX_ADDRESS = 255;
  private static final ProtocolCodec CODEC = new ProtocolCodec(MAX_ADDRESS);

  @FuzzTest(maxDuration = "2m")
  void decodeAnyText(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();

    ProtocolCodec.Envelope envelope;
    try {
      envelope = CODEC.decodeEnvelope(text);
    } catch (ProtocolException e) {
      assertNotNull(e.code(), "ProtocolException without a code");
      assertProtocolExceptionFromDecode(text, e.code());
      return;
    }
    ClientMessage decoded;
    try {
      decoded = CODEC.decode(text);
    } catch (ProtocolException e) {
      throw new AssertionError("decode refused (" + e.code() + ") what decodeEnvelope accepted", e);
    }
    ClientMessage message = envelope.message();
    assertEquals(message, decoded, "decode and decodeEnvelope disagree");
    assertTokenTakenOut(text, envelope);

    if (message instanceof ClientMessage.Register r) {
      assertAddress(r.address());
    } else if (message instanceof ClientMessage.Unregister u) {
      assertAddress(u.address());
    } else if (message instanceof ClientMessage.Publish p) {
      assertAddress(p.address());
      assertHeaders(p.headers());
      assertRecRoundTrips(p.address(), p.body(), p.headers());
    } else if (message instanceof ClientMessage.Presence p) {
      assertAddress(p.address());
      assertTrue(p.limit() >= 1 && p.limit() <= ProtocolCodec.MAX_PRESENCE_LIMIT, "limit " + p.limit());
      assertTrue(p.cursor() == null || (!p.cursor().isEmpty()
          && p.cursor().length() <= ProtocolCodec.MAX_CURSOR_LENGTH), "cursor " + p.cursor());
    } else if (message instanceof ClientMessage.PresenceStats p) {
      assertAddress(p.address());
    } else if (message instanceof ClientMessage.Send s) {
      assertAddress(s.address());
      if (s.replyAddress() != null) {
        assertTrue(s.replyAddress().length() <= MAX_ADDRESS, "reply address too long");
      }
      assertHeaders(s.headers());
      assertRecRoundTrips(s.address(), s.body(), s.headers());
    }
  }

  private static void assertProtocolExceptionFromDecode(String text, ErrorCode expected) {
    try {
      CODEC.decode(text);
      throw new AssertionError("decode accepted what decodeEnvelope refused with " + expected);
    } catch (ProtocolException e) {
      assertEquals(expected, e.code(), "decode and decodeEnvelope refuse differently");
    }
  }

  private static void assertAddress(String address) {
    assertNotNull(address, "null address");
    assertFalse(address.isEmpty(), "empty address");
    assertTrue(address.length() <= MAX_ADDRESS, "address of " + address.length() + " characters");
  }

  private static void assertHeaders(JsonObject headers) {
    if (headers == null) {
      return;
    }
    for (String name : headers.fieldNames()) {
      assertFalse(name.equalsIgnoreCase(ProtocolCodec.TOKEN_HEADER), "token header survived decoding: " + name);
      assertFalse(ProtocolCodec.isInternalHeader(name), "reserved header accepted: " + name);
    }
  }

  /** The envelope carries the token exactly when the message's headers had one (any case). */
  private static void assertTokenTakenOut(String text, ProtocolCodec.Envelope envelope) {
    boolean hadToken = false;
    if (new JsonObject(text).getValue("headers") instanceof JsonObject h) {
      hadToken = h.fieldNames().stream().anyMatch(n -> n.equalsIgnoreCase(ProtocolCodec.TOKEN_HEADER));
    }
    assertEquals(hadToken, envelope.token() != null, "token presence in the envelope");
  }

  /** A value with its JSON types visible and non-ASCII characters escaped, for failure messages. */
  private static String typed(Object v) {
    if (v instanceof JsonObject o) {
      return o.stream().map(e -> typed(e.getKey()) + ":" + typed(e.getValue()))
          .collect(java.util.stream.Collectors.joining(",", "{", "}"));
    }
    if (v instanceof io.vertx.core.json.JsonArray a) {
      return a.stream().map(ProtocolCodecFuzzTest::typed).collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }
    if (v instanceof String str) {
      StringBuilder b = new StringBuilder("\"");
      str.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\u%04x", c)));
      return b.append('"').toString();
    }
    return v == null ? "null" : v + "(" + v.getClass().getSimpleName() + ")";
  }

  /** Encodes what a subscriber would get (headers as the event bus carries them) and parses it back. */
  private static void assertRecRoundTrips(String address, Object body, JsonObject headers) {
    MultiMap busHeaders = MultiMap.caseInsensitiveMultiMap();
    if (headers != null) {
      for (Map.Entry<String, Object> e : headers) {
        if (e.getValue() != null) {
          busHeaders.add(e.getKey(), String.valueOf(e.getValue()));
        }
      }
    }
    byte[] bytes = ProtocolCodec.rec(address, body, busHeaders);
    JsonObject rec = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
    assertEquals("rec", rec.getString("type"));
    assertEquals(typed(address), typed(rec.getString("address")), "address changed on the way out");
    assertEquals(new JsonObject().put("b", body), new JsonObject().put("b", rec.getValue("body")),
        () -> "body changed on the way out: " + typed(body) + " became " + typed(rec.getValue("body")));
    JsonObject expectedHeaders = new JsonObject();
    busHeaders.forEach(e -> expectedHeaders.put(e.getKey(), e.getValue()));
    assertEquals(expectedHeaders.isEmpty() ? null : expectedHeaders, rec.getJsonObject("headers"),
        "headers changed on the way out");
  }
}
