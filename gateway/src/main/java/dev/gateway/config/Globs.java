package dev.gateway.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Whether two address patterns can match the same address. Patterns are the globs of the
 * permissions: {@code *} matches any run of characters (dots included, possibly none), every
 * other character matches itself. The answer is exact, not a heuristic: the two patterns are
 * walked together as automata, and they overlap exactly when both can end on the same
 * non-empty address.
 */
public final class Globs {

  private Globs() {
  }

  /**
   * An address both patterns match (one of the shortest), or empty when there is none.
   */
  public static Optional<String> overlap(String a, String b) {
    Optional<String> shortest = shortestCommon(a, b);
    if (shortest.isPresent() && shortest.get().isEmpty()) {
      // only the empty text, which is no address; when both have a star, any one character
      // matches both as well
      return a.indexOf('*') >= 0 && b.indexOf('*') >= 0 ? Optional.of("x") : Optional.empty();
    }
    return shortest;
  }

  /** Whether some address matches both patterns. */
  public static boolean overlaps(String a, String b) {
    return overlap(a, b).isPresent();
  }

  /**
   * Shortest-path search over pairs (i, j): positions in {@code a} and {@code b} reached after
   * reading the same text. A star may be left (it matched all it will) or kept while the other
   * side reads a literal; two literals must be equal. Reaching (a.length, b.length) means the
   * text read on the way matches both. Steps that read nothing cost 0, the others 1 (a 0-1
   * breadth-first search), so the text found is a shortest one. O(|a| * |b|).
   */
  private static Optional<String> shortestCommon(String a, String b) {
    int n = a.length();
    int m = b.length();
    int states = (n + 1) * (m + 1);
    int[] dist = new int[states];
    int[] parent = new int[states];
    int[] read = new int[states];
    java.util.Arrays.fill(dist, Integer.MAX_VALUE);
    Deque<Integer> queue = new ArrayDeque<>();
    dist[0] = 0;
    parent[0] = -1;
    queue.add(0);
    int end = n * (m + 1) + m;
    while (!queue.isEmpty()) {
      int state = queue.poll();
      int i = state / (m + 1);
      int j = state % (m + 1);
      boolean starA = i < n && a.charAt(i) == '*';
      boolean starB = j < m && b.charAt(j) == '*';
      if (starA) {
        relax(queue, dist, parent, read, state, (i + 1) * (m + 1) + j, NOTHING);
      }
      if (starB) {
        relax(queue, dist, parent, read, state, i * (m + 1) + j + 1, NOTHING);
      }
      if (starA && !starB && j < m) {
        relax(queue, dist, parent, read, state, i * (m + 1) + j + 1, b.charAt(j));
      }
      if (starB && !starA && i < n) {
        relax(queue, dist, parent, read, state, (i + 1) * (m + 1) + j, a.charAt(i));
      }
      if (!starA && !starB && i < n && j < m && a.charAt(i) == b.charAt(j)) {
        relax(queue, dist, parent, read, state, (i + 1) * (m + 1) + j + 1, a.charAt(i));
      }
    }
    if (dist[end] == Integer.MAX_VALUE) {
      return Optional.empty();
    }
    StringBuilder text = new StringBuilder();
    for (int s = end; parent[s] != -1; s = parent[s]) {
      if (read[s] != NOTHING) {
        text.append((char) read[s]);
      }
    }
    return Optional.of(text.reverse().toString());
  }

  /** A step that reads no character (a star left behind). */
  private static final int NOTHING = -1;

  private static void relax(Deque<Integer> queue, int[] dist, int[] parent, int[] read, int from,
                            int to, int c) {
    int d = dist[from] + (c == NOTHING ? 0 : 1);
    if (d >= dist[to]) {
      return;
    }
    dist[to] = d;
    parent[to] = from;
    read[to] = c;
    if (c == NOTHING) {
      queue.addFirst(to);
    } else {
      queue.addLast(to);
    }
  }
}
