package dev.gateway.transport.gate;

import java.util.function.Consumer;

/**
 * The named steps of every handshake, where a handshake's lease must survive anything thrown.
 * Each step calls {@link #reached}; production installs no observer (a volatile read per step).
 * {@code HandshakeLifecycleTest} installs one that throws at each step in turn and checks that
 * the connection slot comes back every time.
 */
public final class HandshakeSteps {

  /** The lease was taken (after the gate's checks). */
  public static final String ADMITTED = "admitted";
  /** The token is about to be verified (native WebSocket). */
  public static final String VERIFYING = "verifying";
  /** The token verification answered (native WebSocket). */
  public static final String VERIFIED = "verified";
  /** The WebSocket upgrade completed, before the connection exists. */
  public static final String UPGRADED = "upgraded";
  /** The connection exists and owns the lease. */
  public static final String OPENED = "opened";

  private static volatile Consumer<String> observer;

  private HandshakeSteps() {
  }

  /** A handshake reached a step (may throw when a test says so). */
  public static void reached(String step) {
    Consumer<String> o = observer;
    if (o != null) {
      o.accept(step);
    }
  }

  /** Installs (or, with null, removes) the observer of every handshake's steps. For tests. */
  public static void observe(Consumer<String> o) {
    observer = o;
  }
}
