package dev.gateway.support;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.DoublePredicate;
import java.util.function.DoubleSupplier;

/** Bounded polling for tests (never on an event loop). */
public final class Await {

  private Await() {
  }

  /** Polls every 20 ms until the value matches or {@code seconds} pass; returns the last value read. */
  public static double value(DoubleSupplier value, DoublePredicate match, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    double v = value.getAsDouble();
    while (!match.test(v) && System.nanoTime() < deadline) {
      pause(20);
      v = value.getAsDouble();
    }
    return v;
  }

  /** Polls every 20 ms until the condition holds; false after {@code millis}. */
  public static boolean until(BooleanSupplier condition, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      pause(20);
    }
    return true;
  }

  /** Sleeps; an interrupt fails the test. */
  public static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Milliseconds since {@code System.nanoTime()} was {@code nanos}. */
  public static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
