package io.vibework.notify.testkit.kube;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where {@code kube-apiserver}, {@code kube-controller-manager} and {@code etcd} live: the folder
 * {@code scripts/install-kube.sh} built them into (cached by version outside the checkout). {@code
 * NOTIFY_KUBE_BIN} names it directly (the Makefile sets it); otherwise the script is found above
 * the working directory and run, which is instant once the binaries are cached, so a test started
 * from an IDE works too.
 */
public record KubeBinaries(Path directory) {

  static final String INSTALL_HINT = "run 'make kube' (scripts/install-kube.sh builds them)";

  public Path apiServer() {
    return executable("kube-apiserver");
  }

  public Path controllerManager() {
    return executable("kube-controller-manager");
  }

  public Path etcd() {
    return executable("etcd");
  }

  /** What each binary says of its own version, e.g. {@code kube-apiserver Kubernetes v1.37.2}. */
  public String versions() {
    List<String> out = new ArrayList<>();
    for (Path binary : List.of(apiServer(), controllerManager(), etcd())) {
      out.add(binary.getFileName() + " " + firstLine(binary));
    }
    return String.join(", ", out) + " (" + directory + ")";
  }

  private static String firstLine(Path binary) {
    try {
      Process p =
          new ProcessBuilder(binary.toString(), "--version")
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return text.lines().findFirst().orElse("?").trim();
    } catch (IOException e) {
      return "? (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  private Path executable(String name) {
    Path file = directory.resolve(name);
    if (!Files.isExecutable(file)) {
      throw new IllegalStateException(name + " not found in " + directory + ": " + INSTALL_HINT);
    }
    return file;
  }

  /** The binaries of this checkout's pinned Kubernetes version. */
  public static KubeBinaries locate() {
    String fromEnv = System.getenv("NOTIFY_KUBE_BIN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new KubeBinaries(Path.of(fromEnv));
    }
    Path script = findScript();
    try {
      Path log = Files.createTempFile("install-kube-", ".log");
      Process process =
          new ProcessBuilder(List.of("bash", script.toString()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException(
            "kube-apiserver not built: "
                + INSTALL_HINT
                + " ("
                + Files.readString(log).trim()
                + ")");
      }
      Files.deleteIfExists(log);
      List<String> lines = out.lines().toList();
      return new KubeBinaries(Path.of(lines.get(lines.size() - 1).trim()));
    } catch (IOException e) {
      throw new IllegalStateException("kube-apiserver not built: " + INSTALL_HINT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while locating kube-apiserver", e);
    }
  }

  private static Path findScript() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("scripts/install-kube.sh");
      if (Files.isRegularFile(script)) {
        return script;
      }
    }
    throw new IllegalStateException(
        "kube-apiserver not found: set NOTIFY_KUBE_BIN or " + INSTALL_HINT);
  }
}
