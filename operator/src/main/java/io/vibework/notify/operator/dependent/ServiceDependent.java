package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.informer.SerializedStore;

/**
 * The worker Service; the informer sees only objects this operator labels, not the whole cluster's.
 */
@KubernetesDependent(
    informer =
        @Informer(
            labelSelector = WorkerObjects.MANAGED_BY_SELECTOR,
            itemStore = SerializedStore.Services.class))
public class ServiceDependent extends AddOnlyMatchingDependent<Service> {

  public ServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(NotificationPipeline p, Context<NotificationPipeline> context) {
    return WorkerObjects.service(p);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    return new ResourceID(WorkerObjects.name(p), p.getMetadata().getNamespace());
  }
}
