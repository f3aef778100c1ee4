package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.PodSecuritySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The user's part of the worker pod template (identity, scheduling, extra metadata and env, grace
 * period, ids), laid over what {@link WorkerObjects#deployment} builds. Managed labels, annotations
 * and variables always win; {@link io.vibework.notify.operator.validation.WorkerPodValidator}
 * refuses a spec that tries to override one, so this never has to choose silently.
 */
public final class WorkerPodTemplate {

  public static final String SHUTDOWN_GRACE_VARIABLE = "SHUTDOWN_GRACE_SECONDS";

  /**
   * Seconds between the worker's drain deadline and SIGKILL: the subscriber's own 2 s past its
   * deadline, up to 10 s for the notification-sent and dead-letter publishers to flush (they flush
   * together), and ~3 s to close the clients and exit.
   */
  public static final int SHUTDOWN_MARGIN_SECONDS = 15;

  private WorkerPodTemplate() {}

  public static int shutdownGraceSeconds(NotificationPipelineSpec spec) {
    return Math.max(1, spec.terminationGracePeriodSecondsOrDefault() - SHUTDOWN_MARGIN_SECONDS);
  }

  /** Applies the spec's pod settings to {@code deployment} (built by WorkerObjects) in place. */
  public static Deployment apply(Deployment deployment, NotificationPipelineSpec spec) {
    ObjectMeta meta = deployment.getSpec().getTemplate().getMetadata();
    meta.setLabels(underManaged(spec.podLabels(), meta.getLabels()));
    meta.setAnnotations(underManaged(spec.podAnnotations(), meta.getAnnotations()));

    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    pod.setServiceAccountName(blankToNull(spec.serviceAccountName()));
    pod.setAutomountServiceAccountToken(Boolean.TRUE.equals(spec.automountServiceAccountToken()));
    pod.setImagePullSecrets(emptyToNull(spec.imagePullSecrets()));
    pod.setNodeSelector(
        spec.nodeSelector() == null || spec.nodeSelector().isEmpty()
            ? null
            : new LinkedHashMap<>(spec.nodeSelector()));
    pod.setAffinity(spec.affinity());
    pod.setTolerations(emptyToNull(spec.tolerations()));
    pod.setTopologySpreadConstraints(emptyToNull(spec.topologySpreadConstraints()));
    pod.setPriorityClassName(blankToNull(spec.priorityClassName()));
    pod.setTerminationGracePeriodSeconds((long) spec.terminationGracePeriodSecondsOrDefault());

    PodSecurityContext security = pod.getSecurityContext();
    if (PodSecuritySpec.platformAssigns(spec.podSecurity())) {
      security.setRunAsUser(null);
      security.setRunAsGroup(null);
      security.setFsGroup(null);
    } else {
      security.setRunAsUser(PodSecuritySpec.runAsUserOf(spec.podSecurity()));
      security.setRunAsGroup(PodSecuritySpec.runAsGroupOf(spec.podSecurity()));
      security.setFsGroup(PodSecuritySpec.fsGroupOf(spec.podSecurity()));
    }

    Container worker =
        pod.getContainers().stream()
            .filter(c -> WorkerObjects.CONTAINER.equals(c.getName()))
            .findFirst()
            .orElseThrow();
    List<EnvVar> env = new ArrayList<>(worker.getEnv() == null ? List.of() : worker.getEnv());
    if (spec.extraEnv() != null) {
      env.addAll(spec.extraEnv());
    }
    worker.setEnv(env);
    return deployment;
  }

  private static Map<String, String> underManaged(
      Map<String, String> user, Map<String, String> managed) {
    Map<String, String> merged = new LinkedHashMap<>();
    if (user != null) {
      merged.putAll(user);
    }
    if (managed != null) {
      merged.putAll(managed);
    }
    return merged;
  }

  private static <T> List<T> emptyToNull(List<T> list) {
    return list == null || list.isEmpty() ? null : new ArrayList<>(list);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
