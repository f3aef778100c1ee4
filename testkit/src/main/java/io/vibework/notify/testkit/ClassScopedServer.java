package io.vibework.notify.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A server used as a class-level JUnit extension: started before the test class, closed after it.
 * {@code @Nested} classes inherit the extension, so only the outermost class starts and closes it.
 */
public abstract class ClassScopedServer
    implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  private int extensionDepth;

  public abstract ClassScopedServer start();

  @Override
  public abstract void close();

  @Override
  public final synchronized void beforeAll(ExtensionContext context) {
    if (extensionDepth++ == 0) {
      start();
    }
  }

  @Override
  public final synchronized void afterAll(ExtensionContext context) {
    if (--extensionDepth == 0) {
      close();
    }
  }
}
