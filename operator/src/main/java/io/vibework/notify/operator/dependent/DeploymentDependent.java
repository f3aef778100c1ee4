package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.informer.SerializedStore;
import io.vibework.notify.operator.reconciler.PipelineInputs;

/**
 * The worker Deployment; the informer sees only objects this operator labels, not the whole
 * cluster's.
 */
@KubernetesDependent(
    informer =
        @Informer(
            labelSelector = WorkerObjects.MANAGED_BY_SELECTOR,
            itemStore = SerializedStore.Deployments.class,
            onUpdateFilter = RolloutUpdates.class))
public class DeploymentDependent extends AddOnlyMatchingDependent<Deployment> {

  public DeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected Deployment desired(NotificationPipeline p, Context<NotificationPipeline> context) {
    return WorkerPodTemplate.apply(
        WorkerObjects.deployment(p, PipelineInputs.from(context)), p.getSpec());
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    return new ResourceID(WorkerObjects.name(p), p.getMetadata().getNamespace());
  }
}
