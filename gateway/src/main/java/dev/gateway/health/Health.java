package dev.gateway.health;

import java.util.concurrent.atomic.AtomicBoolean;

/** Readiness state of this node: ready once every verticle started, not ready while draining. */
public final class Health {

  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();

  public boolean ready() {
    return ready.get() && !draining.get();
  }

  public void markReady() {
    ready.set(true);
  }

  /** Fails readiness for good: the node is stopping. */
  public void markDraining() {
    draining.set(true);
  }

  public boolean draining() {
    return draining.get();
  }
}
