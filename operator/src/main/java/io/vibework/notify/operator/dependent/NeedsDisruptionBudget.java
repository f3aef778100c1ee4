package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.vibework.notify.operator.api.NotificationPipeline;

/**
 * A budget for a single worker would block every node drain; below two replicas the workflow
 * deletes the PodDisruptionBudget instead.
 */
public class NeedsDisruptionBudget implements Condition<PodDisruptionBudget, NotificationPipeline> {

  @Override
  public boolean isMet(
      DependentResource<PodDisruptionBudget, NotificationPipeline> dependentResource,
      NotificationPipeline primary,
      Context<NotificationPipeline> context) {
    return primary.getSpec().replicasOrDefault() > 1;
  }
}
