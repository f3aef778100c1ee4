package io.vibework.notify.testkit.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment as a kubelet builds it: {@code envFrom} first (ConfigMaps and Secrets,
 * with their prefix), then {@code env} in order ({@code value} with {@code $(VAR)} expanded from
 * what came before, {@code configMapKeyRef}, {@code secretKeyRef}, {@code fieldRef}). Secret and
 * ConfigMap volumes are written into the pod's folder, and a value that points into a mount path
 * points into that folder instead, since a process has no mount namespace of its own.
 */
final class PodEnvironment {

  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

  /** What a kubelet reports as CreateContainerConfigError: the container cannot start yet. */
  static final class MissingReference extends Exception {
    MissingReference(String message) {
      super(message, null, false, false);
    }
  }

  private final KubernetesClient client;
  private final Pod pod;
  private final String podIp;
  private final String node;
  private final String ns;

  PodEnvironment(KubernetesClient client, Pod pod, String podIp, String node) {
    this.client = client;
    this.pod = pod;
    this.podIp = podIp;
    this.node = node;
    this.ns = pod.getMetadata().getNamespace();
  }

  Map<String, String> resolve(Container c, Path podDir) throws MissingReference {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : orEmpty(c.getEnvFrom())) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      if (from.getConfigMapRef() != null) {
        ConfigMap cm = configMap(from.getConfigMapRef().getName());
        if (cm == null) {
          if (Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
            continue;
          }
          throw new MissingReference(
              "configmap \"" + from.getConfigMapRef().getName() + "\" not found");
        }
        if (cm.getData() != null) {
          cm.getData().forEach((k, v) -> env.put(prefix + k, v));
        }
      }
      if (from.getSecretRef() != null) {
        Secret s = secret(from.getSecretRef().getName());
        if (s == null) {
          if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
            continue;
          }
          throw new MissingReference("secret \"" + from.getSecretRef().getName() + "\" not found");
        }
        secretData(s).forEach((k, v) -> env.put(prefix + k, v));
      }
    }
    for (EnvVar var : orEmpty(c.getEnv())) {
      if (var.getValueFrom() == null) {
        env.put(var.getName(), expand(var.getValue() == null ? "" : var.getValue(), env));
      } else if (var.getValueFrom().getSecretKeyRef() != null) {
        var ref = var.getValueFrom().getSecretKeyRef();
        Secret s = secret(ref.getName());
        String value = s == null ? null : secretData(s).get(ref.getKey());
        if (value == null) {
          if (Boolean.TRUE.equals(ref.getOptional())) {
            continue;
          }
          throw new MissingReference(
              s == null
                  ? "secret \"" + ref.getName() + "\" not found"
                  : "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
        }
        env.put(var.getName(), value);
      } else if (var.getValueFrom().getConfigMapKeyRef() != null) {
        var ref = var.getValueFrom().getConfigMapKeyRef();
        ConfigMap cm = configMap(ref.getName());
        String value = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
        if (value == null) {
          if (Boolean.TRUE.equals(ref.getOptional())) {
            continue;
          }
          throw new MissingReference(
              cm == null
                  ? "configmap \"" + ref.getName() + "\" not found"
                  : "couldn't find key "
                      + ref.getKey()
                      + " in ConfigMap "
                      + ns
                      + "/"
                      + ref.getName());
        }
        env.put(var.getName(), value);
      } else if (var.getValueFrom().getFieldRef() != null) {
        env.put(var.getName(), field(var.getValueFrom().getFieldRef().getFieldPath()));
      }
    }
    mountVolumes(c, podDir, env);
    return env;
  }

  private String field(String path) {
    return switch (path) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "metadata.namespace" -> ns;
      case "metadata.uid" -> pod.getMetadata().getUid();
      case "spec.nodeName" -> node;
      case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
      case "status.podIP" -> podIp;
      case "status.hostIP" -> "127.0.0.1";
      default -> {
        Matcher label =
            Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]").matcher(path);
        if (label.matches()) {
          Map<String, String> m =
              label.group(1).equals("labels")
                  ? pod.getMetadata().getLabels()
                  : pod.getMetadata().getAnnotations();
          yield m == null ? "" : m.getOrDefault(label.group(2), "");
        }
        yield "";
      }
    };
  }

  /** {@code $(VAR)} becomes VAR's value when VAR is defined before; {@code $$(VAR)} stays. */
  private static String expand(String value, Map<String, String> env) {
    StringBuilder out = new StringBuilder();
    Matcher m = REFERENCE.matcher(value);
    int at = 0;
    while (m.find()) {
      if (m.start() > 0 && value.charAt(m.start() - 1) == '$') {
        out.append(value, at, m.start() - 1).append(m.group());
      } else {
        out.append(value, at, m.start()).append(env.getOrDefault(m.group(1), m.group()));
      }
      at = m.end();
    }
    return out.append(value.substring(at)).toString();
  }

  private void mountVolumes(Container c, Path podDir, Map<String, String> env)
      throws MissingReference {
    Map<String, Volume> volumes = new LinkedHashMap<>();
    orEmpty(pod.getSpec().getVolumes()).forEach(v -> volumes.put(v.getName(), v));
    for (VolumeMount mount : orEmpty(c.getVolumeMounts())) {
      Volume v = volumes.get(mount.getName());
      if (v == null) {
        continue;
      }
      Map<String, String> data;
      List<KeyToPath> items;
      if (v.getSecret() != null) {
        Secret s = secret(v.getSecret().getSecretName());
        if (s == null) {
          throw new MissingReference(
              "secret \""
                  + v.getSecret().getSecretName()
                  + "\" not found (volume "
                  + v.getName()
                  + ")");
        }
        data = secretData(s);
        items = v.getSecret().getItems();
      } else if (v.getConfigMap() != null) {
        ConfigMap cm = configMap(v.getConfigMap().getName());
        if (cm == null) {
          throw new MissingReference(
              "configmap \""
                  + v.getConfigMap().getName()
                  + "\" not found (volume "
                  + v.getName()
                  + ")");
        }
        data = cm.getData() == null ? Map.of() : cm.getData();
        items = v.getConfigMap().getItems();
      } else {
        continue;
      }
      Path dir = write(podDir.resolve("volumes").resolve(v.getName()), data, items);
      String mountPath = mount.getMountPath();
      env.replaceAll(
          (k, value) ->
              value != null && value.startsWith(mountPath)
                  ? dir + value.substring(mountPath.length())
                  : value);
    }
  }

  private static Path write(Path dir, Map<String, String> data, List<KeyToPath> items) {
    try {
      Files.createDirectories(dir);
      if (items == null || items.isEmpty()) {
        for (var e : data.entrySet()) {
          Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
      } else {
        for (KeyToPath item : items) {
          if (data.containsKey(item.getKey())) {
            Path file = dir.resolve(item.getPath());
            Files.createDirectories(file.getParent());
            Files.writeString(file, data.get(item.getKey()));
          }
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ConfigMap configMap(String name) {
    return client.configMaps().inNamespace(ns).withName(name).get();
  }

  private Secret secret(String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
  }

  private static Map<String, String> secretData(Secret s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData()
          .forEach(
              (k, v) ->
                  out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      out.putAll(s.getStringData());
    }
    return out;
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
