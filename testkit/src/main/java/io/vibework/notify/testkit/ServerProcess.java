package io.vibework.notify.testkit;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real server run as a child process on a free loopback port, in its own temp folder.
 *
 * <p>Use it as a JUnit 5 extension ({@code @RegisterExtension static final ... = new ...()}:
 * started before all tests of the class, closed after) or by hand ({@code start()} / {@code
 * close()}, e.g. from a demo {@code main}). {@link #stop()} and {@link #start()} may be called
 * mid-test to simulate an outage; the server comes back on the same port with the same folder.
 * {@link #close()} stops it and deletes the folder.
 *
 * <p>The process gets stdin from /dev/null and writes stdout and stderr to {@link #logFile()}; a
 * start-up failure carries the tail of that log. Stopping kills the whole process tree.
 *
 * @param <S> the concrete server type, so {@code start()} can be chained
 */
public abstract class ServerProcess<S extends ServerProcess<S>> extends ClassScopedServer {

  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final int FIRST_START_ATTEMPTS = 3;
  private static final Set<ServerProcess<?>> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (ServerProcess<?> server : RUNNING) {
                    server.killTree(Duration.ofSeconds(2));
                  }
                },
                "testkit-server-reaper"));
  }

  protected final Logger log = LoggerFactory.getLogger(getClass());

  private final String name;
  private Path directory;
  private int port;
  private Process process;

  protected ServerProcess(String name) {
    this.name = name;
  }

  // ---- what a concrete server provides ----------------------------------------------------

  /** Fails fast, with one line naming the install command, when a binary is missing. */
  protected abstract void verifyInstalled();

  /** One-time set-up in the fresh {@link #directory()} before the first start (default: none). */
  protected void prepare() {}

  /** The command line that runs the server in the foreground on {@code port}. */
  protected abstract List<String> command(int port);

  /** Adjusts the child's environment (default: inherited unchanged). */
  protected void environment(Map<String, String> env) {}

  /** True once the server answers a real request; called repeatedly until then. */
  protected abstract boolean isReady() throws Exception;

  /** Called after every successful start, once ready (default: nothing). */
  protected void afterStart() {}

  protected Duration startupTimeout() {
    return Duration.ofSeconds(60);
  }

  protected Duration stopTimeout() {
    return Duration.ofSeconds(20);
  }

  // ---- public API ---------------------------------------------------------------------------

  /**
   * Starts the server and waits until it answers. The first start picks a free port and creates the
   * temp folder; later starts (after {@link #stop()}) reuse both. Does nothing when already
   * running.
   */
  @SuppressWarnings("unchecked")
  @Override
  public synchronized S start() {
    if (isRunning()) {
      return (S) this;
    }
    if (directory == null) {
      verifyInstalled();
      try {
        directory = Files.createTempDirectory("testkit-" + name + "-").toRealPath();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temp folder for " + name, e);
      }
      prepare();
      for (int attempt = 1; ; attempt++) {
        port = Ports.free();
        try {
          launch();
          break;
        } catch (PortTakenException e) {
          if (attempt >= FIRST_START_ATTEMPTS) {
            throw e;
          }
          log.info("{}: port {} was taken, retrying on another port", name, port);
        }
      }
    } else {
      launch();
    }
    return (S) this;
  }

  /** Stops the server gracefully (SIGTERM, then SIGKILL), keeping its port and folder. */
  public synchronized void stop() {
    if (process != null) {
      killTree(stopTimeout());
      log.info("{} on port {} stopped", name, port);
      process = null;
    }
  }

  /** Kills the server abruptly (SIGKILL, like a crash), keeping its port and folder. */
  public synchronized void kill() {
    if (process != null) {
      killTree(Duration.ZERO);
      log.info("{} on port {} killed", name, port);
      process = null;
    }
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the server and deletes its temp folder. A later {@link #start()} begins afresh. */
  @Override
  public synchronized void close() {
    stop();
    if (directory != null) {
      deleteRecursively(directory);
      directory = null;
    }
    port = 0;
  }

  public String host() {
    return Ports.LOOPBACK;
  }

  /** The port; fixed from the first start until {@link #close()}. */
  public synchronized int port() {
    if (port == 0) {
      throw new IllegalStateException(name + " has not been started");
    }
    return port;
  }

  /** The server's own temp folder. */
  public synchronized Path directory() {
    if (directory == null) {
      throw new IllegalStateException(name + " has not been started");
    }
    return directory;
  }

  /** The file that receives the server's stdout and stderr. */
  public Path logFile() {
    return directory().resolve(name + ".log");
  }

  @Override
  public String toString() {
    return name + "[" + Ports.LOOPBACK + ":" + port + "]";
  }

  // ---- helpers for subclasses ---------------------------------------------------------------

  /**
   * Finds an executable on PATH or in the usual system folders (sbin is often off PATH).
   *
   * @throws IllegalStateException with the one line "{@code name} not found: {@code hint}"
   */
  protected static Path findExecutable(String name, String hint) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(
        List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
    for (String dir : dirs) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw missing(name + " not found: " + hint);
  }

  /** An exception whose message is the given line and nothing else (no stack of causes). */
  protected static IllegalStateException missing(String line) {
    return new IllegalStateException(line);
  }

  /** True when the test JVM runs as root (some servers need {@code --user=root} then). */
  protected static boolean runningAsRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * Runs a one-shot command to completion in {@link #directory()}, stdin from /dev/null, output
   * appended to {@code logName} there; fails with the log's tail.
   */
  protected void runToCompletion(List<String> command, String logName, Duration timeout) {
    Path logPath = directory().resolve(logName);
    long logStart = sizeOf(logPath);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory().toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logPath.toFile()));
    environment(builder.environment());
    Process child;
    try {
      child = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    }
    try {
      if (!child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        destroyTree(child.toHandle(), Duration.ZERO);
        throw new IllegalStateException(
            command.get(0)
                + " did not finish within "
                + timeout.toSeconds()
                + "s"
                + tailOf(logPath, logStart));
      }
    } catch (InterruptedException e) {
      destroyTree(child.toHandle(), Duration.ZERO);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    }
    if (child.exitValue() != 0) {
      throw new IllegalStateException(
          command.get(0)
              + " failed with exit code "
              + child.exitValue()
              + tailOf(logPath, logStart));
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  private void launch() {
    List<String> command = command(port);
    Path logPath = logFile();
    long logStart = sizeOf(logPath);
    appendMarker(logPath, "---- testkit: starting " + describe(command) + " at " + Instant.now());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logPath.toFile()));
    environment(builder.environment());
    long started = System.nanoTime();
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
    RUNNING.add(this);
    long deadline = started + startupTimeout().toNanos();
    Throwable lastProblem = null;
    while (true) {
      if (!process.isAlive()) {
        int code = process.exitValue();
        String tail = tailOf(logPath, logStart);
        process = null;
        RUNNING.remove(this);
        String message =
            name
                + " exited with code "
                + code
                + " during start-up on "
                + Ports.LOOPBACK
                + ":"
                + port
                + tail;
        if (looksLikePortTaken(tail)) {
          throw new PortTakenException(message);
        }
        throw new IllegalStateException(message);
      }
      try {
        if (isReady()) {
          break;
        }
      } catch (Exception e) {
        lastProblem = e;
      }
      if (System.nanoTime() > deadline) {
        String tail = tailOf(logPath, logStart);
        killTree(Duration.ofSeconds(5));
        process = null;
        IllegalStateException failure =
            new IllegalStateException(
                name
                    + " did not become ready on "
                    + Ports.LOOPBACK
                    + ":"
                    + port
                    + " within "
                    + startupTimeout().toSeconds()
                    + "s"
                    + tail);
        if (lastProblem != null) {
          failure.addSuppressed(lastProblem);
        }
        throw failure;
      }
      sleep(POLL_INTERVAL);
    }
    log.info(
        "{} ready on {}:{} in {} ms (folder {})",
        name,
        Ports.LOOPBACK,
        port,
        (System.nanoTime() - started) / 1_000_000,
        directory);
    afterStart();
  }

  /** SIGTERM to the process and every descendant; SIGKILL what is left after {@code grace}. */
  private void killTree(Duration grace) {
    Process current = process;
    if (current != null) {
      destroyTree(current.toHandle(), grace);
    }
    RUNNING.remove(this);
  }

  private static void destroyTree(ProcessHandle root, Duration grace) {
    List<ProcessHandle> all = new ArrayList<>();
    all.add(root);
    root.descendants().forEach(all::add);
    if (grace.isZero()) {
      all.forEach(ProcessHandle::destroyForcibly);
    } else {
      all.forEach(ProcessHandle::destroy);
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle handle : all) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          handle.onExit().get(left, TimeUnit.NANOSECONDS);
        }
      } catch (Exception ignored) {
        // still alive: killed below
      }
      if (handle.isAlive()) {
        handle.destroyForcibly();
      }
    }
    for (ProcessHandle handle : all) {
      try {
        handle.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // nothing more we can do
      }
    }
  }

  private static boolean looksLikePortTaken(String logTail) {
    String text = logTail.toLowerCase(Locale.ROOT);
    return text.contains("address already in use")
        || text.contains("eaddrinuse")
        || text.contains("already have another server running");
  }

  /** "; last lines of <log>:\n ..." (what was written from offset {@code start} on). */
  protected static String tailOf(Path logPath, long start) {
    final int maxBytes = 4096;
    final int maxLines = 30;
    try (RandomAccessFile file = new RandomAccessFile(logPath.toFile(), "r")) {
      long length = file.length();
      if (length <= start) {
        return " (log " + logPath + " is empty)";
      }
      long from = Math.max(start, length - maxBytes);
      byte[] bytes = new byte[(int) (length - from)];
      file.seek(from);
      file.readFully(bytes);
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      if (from > start && lines.size() > 1) {
        lines = lines.subList(1, lines.size()); // first line is probably cut
      }
      if (lines.size() > maxLines) {
        lines = lines.subList(lines.size() - maxLines, lines.size());
      }
      return "; last lines of " + logPath + ":\n  " + String.join("\n  ", lines);
    } catch (IOException e) {
      return " (no log at " + logPath + ")";
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static String describe(List<String> command) {
    StringBuilder line = new StringBuilder();
    boolean secretNext = false;
    for (String arg : command) {
      if (!line.isEmpty()) {
        line.append(' ');
      }
      if (secretNext) {
        line.append("****");
        secretNext = false;
        continue;
      }
      secretNext = arg.equals("--requirepass");
      line.append(
          arg.isEmpty() || arg.matches(".*[\\s'\"].*")
              ? "'" + arg.replace("'", "'\\''") + "'"
              : arg);
    }
    return line.toString();
  }

  private static void appendMarker(Path logPath, String line) {
    try {
      Files.writeString(
          logPath,
          line + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  protected static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // best effort: a socket file or a file still being written
                }
              });
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static final class PortTakenException extends IllegalStateException {
    PortTakenException(String message) {
      super(message);
    }
  }
}
