package io.vibework.notify.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.vibework.notify.operator.api.CacheConfigSpec;
import io.vibework.notify.operator.api.NotificationPipeline;

/**
 * Everything outside the pipeline that shapes its workers, resolved and checked once per reconcile
 * and handed to the dependents through the workflow context.
 *
 * @param cacheConfigName name of the CacheConfig, for messages
 * @param cache its spec
 * @param inputsHash hex SHA-256 of pipeline spec, cache spec and referenced Secret values
 */
public record PipelineInputs(String cacheConfigName, CacheConfigSpec cache, String inputsHash) {

  public static PipelineInputs from(Context<NotificationPipeline> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .getMandatory(PipelineInputs.class, PipelineInputs.class);
  }

  public void putInto(Context<NotificationPipeline> context) {
    context.managedWorkflowAndDependentResourceContext().put(PipelineInputs.class, this);
  }
}
