package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.vibework.notify.operator.api.NotificationPipeline;

/** A worker object compared with {@link AddOnlyMatcher} rather than JOSDK's generic matcher. */
abstract class AddOnlyMatchingDependent<R extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, NotificationPipeline> {

  AddOnlyMatchingDependent(Class<R> kind) {
    super(kind);
  }

  @Override
  public Matcher.Result<R> match(
      R actual, R desired, NotificationPipeline p, Context<NotificationPipeline> context) {
    return AddOnlyMatcher.match(desired, actual, context.getClient().getKubernetesSerialization());
  }
}
