package io.vibework.notify.operator.bench;

import io.vibework.notify.operator.MockCluster;

/**
 * The CRUD mock API server in its own JVM, so the benchmark's heap figure is the operator's alone.
 * Prints MOCK_PORT=n, then serves until its standard input closes.
 */
public final class MockApiServerMain {

  private MockApiServerMain() {}

  public static void main(String[] args) throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      System.out.println("MOCK_PORT=" + cluster.server().getPort());
      System.out.flush();
      // Drain the request log continuously: the mock keeps every request otherwise.
      Thread drain =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    while (true) {
                      cluster.drainRequestsQuietly();
                    }
                  });
      while (System.in.read() != -1) {
        // wait for EOF
      }
      drain.interrupt();
    }
  }
}
