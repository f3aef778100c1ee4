package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.informer.SerializedStore;
import io.vibework.notify.operator.reconciler.PipelineInputs;

/**
 * The worker ConfigMap; the informer sees only objects this operator labels, not the whole
 * cluster's.
 */
@KubernetesDependent(
    informer =
        @Informer(
            labelSelector = WorkerObjects.MANAGED_BY_SELECTOR,
            itemStore = SerializedStore.ConfigMaps.class))
public class ConfigMapDependent
    extends CRUDKubernetesDependentResource<ConfigMap, NotificationPipeline> {

  public ConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(NotificationPipeline p, Context<NotificationPipeline> context) {
    return WorkerObjects.configMap(p, PipelineInputs.from(context));
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    return new ResourceID(WorkerObjects.configMapName(p), p.getMetadata().getNamespace());
  }
}
