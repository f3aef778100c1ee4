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
 * The machine's kubectl against a kubeconfig: {@code $KUBECTL}, else {@code kubectl} on PATH, else
 * {@code /usr/bin/kubectl}. Its discovery cache lives next to the kubeconfig so runs never share
 * one.
 */
public final class Kubectl {

  /** What a kubectl run printed (stdout and stderr interleaved) and its exit code. */
  public record Result(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }

    public Result orThrow() {
      if (exitCode != 0) {
        throw new IllegalStateException(
            "kubectl failed with exit code " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  private final Path binary;
  private final Path kubeconfig;
  private final Path cacheDir;

  public Kubectl(Path kubeconfig) {
    this.binary = locate();
    this.kubeconfig = kubeconfig;
    this.cacheDir = kubeconfig.resolveSibling("kube-cache");
  }

  public static Path locate() {
    String env = System.getenv("KUBECTL");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    Path fallback = Path.of("/usr/bin/kubectl");
    if (Files.isExecutable(fallback)) {
      return fallback;
    }
    throw new IllegalStateException(
        "kubectl not found: install it (https://kubernetes.io/docs/tasks/tools/) or set KUBECTL");
  }

  /** The command line a person would type, for printing (without the generated flags). */
  public static String display(String... args) {
    return "kubectl " + String.join(" ", args);
  }

  public Result run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.add("--cache-dir=" + cacheDir);
    command.addAll(List.of(args));
    Path out = null;
    try {
      out = Files.createTempFile("kubectl-", ".out");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(out.toFile());
      builder.environment().remove("KUBECONFIG");
      Process process = builder.start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new IllegalStateException(
            "kubectl " + String.join(" ", args) + " did not finish within 60 s");
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running kubectl", e);
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException ignored) {
          // a temp file
        }
      }
    }
  }
}
