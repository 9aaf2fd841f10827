package dev.gateway.logging;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Tokens never reach a log or an error message: the rules that take them out of a text, and
 * {@link #install()}, which puts the rules in front of every handler of java.util.logging, the
 * logging that Vert.x, Netty, Hazelcast and the gateway itself all write through.
 *
 * <p>Redacted (the value, never the name, so a record still says what was there):
 * <ul>
 *   <li>{@code token=VALUE} anywhere (a query string, an absolute URI): any case, the name
 *       percent-encoded or not, the value up to the next {@code &}, {@code #}, whitespace, quote
 *       or angle bracket;</li>
 *   <li>{@code Bearer VALUE} (an {@code Authorization} header, the API key's included);</li>
 *   <li>{@code token.VALUE}: a token offered as a WebSocket subprotocol;</li>
 *   <li>{@code "token":"VALUE"}: the token header of a client message;</li>
 *   <li>anything shaped like a JWT ({@code eyJ...} in three dot-separated base64url parts).</li>
 * </ul>
 *
 * <p>Guarantees: once installed, every record that reaches the root logger's handlers has been
 * rewritten (message, parameters, and the message of every exception of its cause chain) before
 * any handler behind it sees it, at every level. {@code install()} is idempotent and moves the
 * redaction back in front when handlers were added since. A handler attached to another logger
 * than the root sees records first; the gateway attaches none.
 */
public final class LogRedaction {

  /** What a secret is replaced with. */
  public static final String MASK = "[redacted]";

  private static final int FLAGS = Pattern.CASE_INSENSITIVE;
  private static final Pattern QUERY = Pattern.compile(
      "((?:t|%74)(?:o|%6f)(?:k|%6b)(?:e|%65)(?:n|%6e)=)[^&#\\s\"'<>]+", FLAGS);
  private static final Pattern BEARER = Pattern.compile("(bearer\\s+)[^\\s\"',;]+", FLAGS);
  private static final Pattern SUBPROTOCOL = Pattern.compile(
      "(?<![A-Za-z0-9_.-])(token\\.)[^\\s\"',;]+", FLAGS);
  private static final Pattern JSON = Pattern.compile(
      "(\"token\"\\s*:\\s*\")(?:[^\"\\\\]|\\\\.)*(\")", FLAGS);
  /** A JWT's compact form: its header is base64url of {@code {"...}}, so it starts with eyJ. */
  private static final Pattern JWT = Pattern.compile(
      "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");

  private LogRedaction() {
  }

  /** The text with every token in it replaced by {@link #MASK}; null stays null. */
  public static String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String t = JSON.matcher(text).replaceAll("$1" + MASK + "$2");
    t = QUERY.matcher(t).replaceAll("$1" + MASK);
    t = BEARER.matcher(t).replaceAll("$1" + MASK);
    t = SUBPROTOCOL.matcher(t).replaceAll("$1" + MASK);
    return JWT.matcher(t).replaceAll(MASK);
  }

  /** Rewrites a log record in place: its message, its parameters and its exception chain. */
  public static void redact(LogRecord r) {
    String message = r.getMessage();
    String redacted = redact(message);
    if (message != null && !message.equals(redacted)) {
      r.setMessage(redacted);
    }
    Object[] params = r.getParameters();
    if (params != null) {
      Object[] copy = null;
      for (int i = 0; i < params.length; i++) {
        if (params[i] == null || params[i] instanceof Number) {
          continue;
        }
        String p = String.valueOf(params[i]);
        String rp = redact(p);
        if (!p.equals(rp)) {
          copy = copy == null ? params.clone() : copy;
          copy[i] = rp;
        }
      }
      if (copy != null) {
        r.setParameters(copy);
      }
    }
    Throwable thrown = r.getThrown();
    if (thrown != null) {
      r.setThrown(RedactedThrowable.of(thrown));
    }
  }

  /**
   * Puts the redaction in front of the root logger's handlers (once; again in front if handlers
   * were added since). Called at start-up by {@code Main} and by every in-process node.
   */
  public static synchronized void install() {
    Logger root = Logger.getLogger("");
    Handler[] handlers = root.getHandlers();
    if (handlers.length > 0 && handlers[0] instanceof Redactor) {
      return;
    }
    Handler redactor = new Redactor();
    for (Handler h : handlers) {
      if (h instanceof Redactor) {
        redactor = h;
      }
      root.removeHandler(h);
    }
    root.addHandler(redactor);
    for (Handler h : handlers) {
      if (!(h instanceof Redactor)) {
        root.addHandler(h);
      }
    }
  }

  /** The first handler of the root logger: rewrites each record for the handlers after it. */
  private static final class Redactor extends Handler {
    @Override
    public void publish(LogRecord r) {
      if (r != null) {
        redact(r);
      }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  }

  /** An exception chain with its messages redacted, copied only where one needed it. */
  static final class RedactedThrowable extends Throwable {

    private static final int MAX_DEPTH = 32;

    private final String text;

    private RedactedThrowable(Throwable original, Throwable cause) {
      super(redact(original.getMessage()), cause, true, true);
      this.text = redact(original.toString());
      setStackTrace(original.getStackTrace());
    }

    /** {@code t} itself when nothing in its chain holds a token, otherwise a redacted copy. */
    static Throwable of(Throwable t) {
      return leaks(t, new IdentityHashMap<>(), 0) ? copy(t, new IdentityHashMap<>(), 0) : t;
    }

    private static boolean leaks(Throwable t, Map<Throwable, Boolean> seen, int depth) {
      if (t == null || depth > MAX_DEPTH || seen.put(t, Boolean.TRUE) != null) {
        return false;
      }
      String s = t.toString();
      if (!s.equals(redact(s))) {
        return true;
      }
      for (Throwable suppressed : t.getSuppressed()) {
        if (leaks(suppressed, seen, depth + 1)) {
          return true;
        }
      }
      return leaks(t.getCause(), seen, depth + 1);
    }

    private static Throwable copy(Throwable t, Map<Throwable, Throwable> done, int depth) {
      if (t == null || depth > MAX_DEPTH) {
        return null;
      }
      Throwable known = done.get(t);
      if (known != null) {
        return known;
      }
      RedactedThrowable c = new RedactedThrowable(t, copy(t.getCause(), done, depth + 1));
      done.put(t, c);
      for (Throwable suppressed : t.getSuppressed()) {
        Throwable s = copy(suppressed, done, depth + 1);
        if (s != null && s != c) {
          c.addSuppressed(s);
        }
      }
      return c;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // the original's stack trace is set instead
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
