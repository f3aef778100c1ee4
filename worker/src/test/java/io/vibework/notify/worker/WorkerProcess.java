package io.vibework.notify.worker;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The worker as its own JVM process (same classes as worker.jar), for signals, exit codes and
 * stdout.
 */
public final class WorkerProcess implements AutoCloseable {
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private WorkerProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  public static WorkerProcess start(Map<String, String> env) {
    try {
      Path dir = Files.createTempDirectory("worker-process");
      Path out = dir.resolve("stdout.log");
      Path err = dir.resolve("stderr.log");
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  productionClassPath(),
                  WorkerMain.class.getName())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().clear();
      builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
      builder.environment().putAll(env);
      return new WorkerProcess(builder.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The test classpath without the test classes, so the worker logs with its own logback.xml. */
  private static String productionClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !entry.endsWith("test-classes"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** SIGKILL: the process dies at once, holding whatever it held. */
  public void kill() {
    process.destroyForcibly();
  }

  /** SIGTERM, as the kubelet sends it. */
  public void terminate() {
    process.destroy();
  }

  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("worker did not exit within " + timeout + "; stdout:\n" + stdout());
    }
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String stdout() {
    return read(stdout);
  }

  public List<String> stdoutLines() {
    return stdout().lines().toList();
  }

  public String stderr() {
    return read(stderr);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
