package io.vibework.notify.worker.email;

import io.vibework.notify.templates.InvalidTemplateException;
import io.vibework.notify.templates.TemplateSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A template set read from a directory with one file per key ({@code welcome.html}, ...), which is
 * how Kubernetes mounts a ConfigMap. The kubelet's own entries ({@code ..data}, {@code ..2026_...})
 * and other hidden files are not keys.
 */
public final class TemplateDirectory {
  private TemplateDirectory() {}

  /** The set in {@code dir}, or the built-ins when there is none. */
  public static TemplateSet load(Optional<Path> dir) throws InvalidTemplateException {
    return dir.isPresent() ? TemplateSet.compile(read(dir.get())) : TemplateSet.builtIn();
  }

  static Map<String, String> read(Path dir) {
    Map<String, String> sources = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String key = file.getFileName().toString();
        // isRegularFile follows the kubelet's symlinks (key -> ..data/key).
        if (!key.startsWith(".") && Files.isRegularFile(file)) {
          sources.put(key, Files.readString(file, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the templates in " + dir, e);
    }
    return sources;
  }
}
