package dev.gateway.support;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An extension that starts something for a test class or for each test, by how it is
 * registered: {@code @RegisterExtension static} starts it before the class and stops it after
 * the class; an instance field starts it before each test and stops it after that test.
 * Resources handed to {@link #closeAfter} are closed (last first) after the test that opened
 * them, or after the class when opened outside a test ({@code @BeforeAll}).
 */
abstract class ScopedExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
    AfterEachCallback {

  private final Deque<AutoCloseable> perTest = new ArrayDeque<>();
  private final Deque<AutoCloseable> perClass = new ArrayDeque<>();
  private boolean classScoped;
  private boolean testScoped;
  private volatile boolean inTest;

  /** Starts what the extension provides; {@code label} names the test class (cluster names, logs). */
  protected abstract void start(String label) throws Exception;

  /** Stops it (resources from {@link #closeAfter} are already closed). */
  protected abstract void stop() throws Exception;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    classScoped = true;
    start(context.getRequiredTestClass().getSimpleName());
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!classScoped) {
      testScoped = true;
      start(context.getRequiredTestClass().getSimpleName());
    }
    inTest = true;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    inTest = false;
    Exception failure = closeAll(perTest);
    if (testScoped) {
      testScoped = false;
      failure = stopAfter(failure);
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    classScoped = false;
    Exception failure = stopAfter(null);
    if (failure != null) {
      throw failure;
    }
  }

  /** Closes {@code resource} after the current test (or after the class, outside a test). */
  public <T extends AutoCloseable> T closeAfter(T resource) {
    synchronized (this) {
      (inTest ? perTest : perClass).push(resource);
    }
    return resource;
  }

  private Exception stopAfter(Exception earlier) {
    Exception failure = closeAll(perClass);
    try {
      stop();
    } catch (Exception e) {
      failure = failure == null ? e : failure;
    }
    return earlier != null ? earlier : failure;
  }

  private Exception closeAll(Deque<AutoCloseable> resources) {
    Exception failure = null;
    while (true) {
      AutoCloseable c;
      synchronized (this) {
        c = resources.poll();
      }
      if (c == null) {
        return failure;
      }
      try {
        c.close();
      } catch (Exception e) {
        failure = failure == null ? e : failure;
      }
    }
  }
}
