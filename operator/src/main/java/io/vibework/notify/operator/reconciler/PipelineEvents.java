package io.vibework.notify.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineStatus;
import java.util.List;
import java.util.Objects;

/**
 * Decides the Normal Events of a pipeline reconcile: one when the workers are scaled, one when a
 * rollout of a change completes. Each is derived from a change (Deployment replicas before and
 * after, the Progressing condition before and after), so a quiet pipeline records none. A new
 * pipeline's first rollout gets no Event: its Ready condition says the same, and with thousands of
 * pipelines applied at once that Event was a write per pipeline nobody reads.
 */
final class PipelineEvents {

  static final String SCALED = "Scaled";
  static final String ROLLOUT_COMPLETE = "RolloutComplete";

  private PipelineEvents() {}

  /**
   * @param replicasBefore the Deployment's spec.replicas before this reconcile applied it; null
   *     when there was no Deployment yet
   * @param deploymentGeneration the Deployment's metadata.generation now; 1 (or null) while it runs
   *     the pod template and replicas it was created with
   * @param statusWritten whether {@code next} is written now; a rollout's end is recorded with the
   *     status that shows it, once
   */
  static void record(
      EventRecorder events,
      NotificationPipeline p,
      Integer replicasBefore,
      Long deploymentGeneration,
      NotificationPipelineStatus next,
      boolean statusWritten) {
    int desired = p.getSpec().replicasOrDefault();
    if (replicasBefore != null && replicasBefore != desired) {
      events.normal(
          p,
          SCALED,
          "workers scaled from "
              + replicasBefore
              + " to "
              + desired
              + (p.getSpec().autoscaled()
                  ? " (spec.replicas, written by KEDA through the scale subresource)"
                  : " (spec.replicas)"));
    }
    boolean firstRollout = deploymentGeneration == null || deploymentGeneration <= 1;
    if (!statusWritten || firstRollout) {
      return;
    }
    List<Condition> previous = p.getStatus() == null ? null : p.getStatus().conditions();
    boolean wasRollingOut =
        Conditions.find(previous, Conditions.PROGRESSING)
            .map(c -> "True".equals(c.getStatus()))
            .orElse(false);
    Conditions.find(next.conditions(), Conditions.PROGRESSING)
        .filter(c -> wasRollingOut && Objects.equals(c.getReason(), "RolloutComplete"))
        .ifPresent(
            c ->
                events.normal(
                    p,
                    ROLLOUT_COMPLETE,
                    "rollout complete: "
                        + next.readyReplicas()
                        + " of "
                        + desired
                        + " workers ready on the current pod template"));
  }
}
