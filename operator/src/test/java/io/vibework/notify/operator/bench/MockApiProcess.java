package io.vibework.notify.operator.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@link MockApiServerMain} in a JVM of its own, so what the mock stores never counts in the heap
 * of the JVM that runs the operator.
 */
public final class MockApiProcess implements AutoCloseable {

  private final Process process;
  private final int port;

  private MockApiProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static MockApiProcess start(String maxHeap) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process mock =
        new ProcessBuilder(
                java,
                "-Xmx" + maxHeap,
                "-cp",
                System.getProperty("java.class.path"),
                MockApiServerMain.class.getName())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      return new MockApiProcess(mock, readPort(mock));
    } catch (IOException | RuntimeException e) {
      mock.destroyForcibly();
      throw e;
    }
  }

  public Config config(String namespace) {
    return new ConfigBuilder()
        .withMasterUrl("http://127.0.0.1:" + port)
        .withNamespace(namespace)
        .build();
  }

  private static int readPort(Process mock) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(mock.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("MOCK_PORT=")) {
        return Integer.parseInt(line.substring("MOCK_PORT=".length()).trim());
      }
    }
    throw new IllegalStateException("mock API server exited before printing its port");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.getOutputStream().close();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
