package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.informer.SerializedStore;

/**
 * The worker PodDisruptionBudget; the informer sees only objects this operator labels, not the
 * whole cluster's.
 */
@KubernetesDependent(
    informer =
        @Informer(
            labelSelector = WorkerObjects.MANAGED_BY_SELECTOR,
            itemStore = SerializedStore.DisruptionBudgets.class,
            onUpdateFilter = SpecOrMetadataUpdates.class))
public class PodDisruptionBudgetDependent extends AddOnlyMatchingDependent<PodDisruptionBudget> {

  public PodDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    return WorkerObjects.podDisruptionBudget(p);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    return new ResourceID(WorkerObjects.name(p), p.getMetadata().getNamespace());
  }
}
