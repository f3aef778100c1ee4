package io.vibework.notify.operator.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The chart under helm/notification-operator, rendered with helm-java (Helm's Go code, in-process).
 */
final class Chart {

  static final String RELEASE = "notification-operator";
  static final String NAMESPACE = "notification-system";

  /** helm-java's offline default is v1.20; the chart needs 1.25+ (CEL rules in the CRDs). */
  static final String KUBE_VERSION = "v1.31.0";

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  private Chart() {}

  /** The repository root, found from operator/ (Maven) or the root itself (an IDE). */
  static Path repoRoot() {
    Path here = Path.of("").toAbsolutePath();
    for (Path candidate : List.of(here.getParent(), here)) {
      if (candidate != null && Files.isDirectory(candidate.resolve("helm/notification-operator"))) {
        return candidate.normalize();
      }
    }
    throw new IllegalStateException("helm/notification-operator not found from " + here);
  }

  static Path dir() {
    return repoRoot().resolve("helm/notification-operator");
  }

  /** {@code helm template} with the chart's defaults plus the given values file content (YAML). */
  static String template(String valuesYaml) {
    return template(RELEASE, valuesYaml, Map.of());
  }

  /**
   * {@code helm template RELEASE} with a values file (YAML, may be empty) and {@code --set} pairs.
   */
  static String template(String release, String valuesYaml, Map<String, String> set) {
    TemplateCommand command =
        new Helm(dir())
            .template()
            .withName(release)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
    if (valuesYaml != null && !valuesYaml.isBlank()) {
      try {
        Path values = Files.createTempFile("values-", ".yaml");
        Files.writeString(values, valuesYaml);
        values.toFile().deleteOnExit();
        command = command.withValuesFile(values);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(set).entrySet()) {
      command = command.set(e.getKey(), e.getValue());
    }
    return command.call();
  }

  /** Every rendered document as a Kubernetes object; fails on a document that is not one. */
  static List<HasMetadata> render(String valuesYaml) {
    return parse(template(valuesYaml));
  }

  static List<HasMetadata> parse(String manifest) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : DOCUMENT_SEPARATOR.split(manifest)) {
      String yaml =
          document.lines().filter(l -> !l.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
      if (yaml.isBlank()) {
        continue;
      }
      KubernetesResource resource = SERIALIZATION.unmarshal(yaml);
      if (!(resource instanceof HasMetadata object)) {
        throw new AssertionError("not a Kubernetes object with metadata: " + yaml);
      }
      objects.add(object);
    }
    return objects;
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = all(objects, type);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  static Optional<HasMetadata> find(List<HasMetadata> objects, String kind, String name) {
    return objects.stream()
        .filter(o -> kind.equals(o.getKind()) && name.equals(o.getMetadata().getName()))
        .findFirst();
  }
}
