package dev.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exact overlap of two address globs: a pair overlaps when one address matches both, and the
 * address given as an example does match both. Checked on hand-picked pairs and against brute
 * force over every short address.
 */
class GlobsTest {

  /** The glob as a regular expression, independently of the gateway's own compiler. */
  private static boolean matches(String glob, String address) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      re.append(c == '*' ? ".*" : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(address).matches();
  }

  private static void overlap(String a, String b) {
    Optional<String> example = Globs.overlap(a, b);
    assertTrue(example.isPresent(), "'" + a + "' and '" + b + "' overlap");
    assertFalse(example.get().isEmpty(), "an address is not empty");
    assertTrue(matches(a, example.get()), "'" + a + "' matches '" + example.get() + "'");
    assertTrue(matches(b, example.get()), "'" + b + "' matches '" + example.get() + "'");
    Optional<String> reversed = Globs.overlap(b, a);
    assertTrue(reversed.isPresent() && matches(a, reversed.get()) && matches(b, reversed.get()),
        "'" + b + "' and '" + a + "' overlap too: " + reversed);
    assertTrue(Globs.overlaps(b, a));
  }

  private static void apart(String a, String b) {
    assertEquals(Optional.empty(), Globs.overlap(a, b), "'" + a + "' and '" + b + "'");
    assertEquals(Optional.empty(), Globs.overlap(b, a), "'" + b + "' and '" + a + "'");
    assertFalse(Globs.overlaps(a, b));
  }

  @ParameterizedTest
  @CsvSource({
      "chat.*, *", "echo, *", "*, *", "chat.*, chat.a", "chat.*, chat.*.b", "chat.*, *.lobby",
      "a*c, ab*", "*.log, app.*", "room.*.in, room.1.*", "a*b*c, *bc", "echo, echo", "*x*, *y*",
      "billing.*, *.charge", "x*, *x", "**, a", "a**b, ab"})
  void overlappingPairs(String a, String b) {
    overlap(a, b);
  }

  @ParameterizedTest
  @CsvSource({
      "chat.*, echo", "chat.*, clock", "clock, echo", "chat.*, chat", "chat.*, xchat.*",
      "chat.*, Chat.*", "a*b, c*", "*.in, *.out", "a*, b*", "ab*, ac*", "*x, *y", "echo, echo.x",
      "room.*.in, room.*.out", "clock, clock.*"})
  void pairsApart(String a, String b) {
    apart(a, b);
  }

  @Test
  void theDefaultsAreApart() {
    for (Object channels : (List<?>) setting("permissions.subscribe").defaultValue()) {
      for (Object services : (List<?>) setting("permissions.send").defaultValue()) {
        apart((String) channels, (String) services);
      }
    }
  }

  @Test
  void theEmptyPatternMatchesNoAddress() {
    apart("", "*");
    apart("", "");
    apart("", "a");
    overlap("*", "**");
  }

  @Test
  void regexAndGlobLookalikesAreLiteral() {
    apart("a.b", "axb");
    apart("a?", "ab");
    apart("[a]", "a");
    overlap("a+*", "*+b");
    overlap("a\\*", "a\\b"); // the backslash is literal and escapes nothing: the star is a star
    apart("a\\*", "ab");
  }

  /** Against brute force: every address of up to 5 characters over {a, b, .}. */
  @Test
  void agreesWithBruteForceOnRandomPairs() {
    List<String> addresses = new ArrayList<>();
    addresses.add("");
    for (int len = 1; len <= 5; len++) {
      List<String> longer = new ArrayList<>();
      for (String a : addresses) {
        if (a.length() == len - 1) {
          for (char c : new char[] {'a', 'b', '.'}) {
            longer.add(a + c);
          }
        }
      }
      addresses.addAll(longer);
    }
    Random random = new Random(42);
    for (int n = 0; n < 3_000; n++) {
      String a = randomGlob(random);
      String b = randomGlob(random);
      // with globs of at most 3 characters, a common address exists iff one of at most 5 does
      boolean brute = addresses.stream().anyMatch(x -> !x.isEmpty() && matches(a, x) && matches(b, x));
      assertEquals(brute, Globs.overlaps(a, b), "'" + a + "' and '" + b + "'");
      Globs.overlap(a, b).ifPresent(x -> {
        assertTrue(matches(a, x) && matches(b, x), "'" + x + "' matches '" + a + "' and '" + b + "'");
        assertTrue(x.length() <= 4, "a shortest example: '" + x + "' for '" + a + "' and '" + b + "'");
      });
    }
  }

  private static String randomGlob(Random random) {
    String alphabet = "ab.*";
    StringBuilder sb = new StringBuilder();
    for (int i = random.nextInt(4); i > 0; i--) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private static Setting setting(String path) {
    return Settings.ALL.stream().filter(s -> s.path().equals(path)).findFirst().orElseThrow();
  }
}
