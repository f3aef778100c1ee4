package io.vibework.notify.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.vibework.notify.operator.api.NotificationPipeline;
import java.util.Objects;

/**
 * The pipeline updates that can change what a reconcile does: a new spec (generation), the
 * annotations (the pause switch), labels, finalizers and deletion. Not a status write, the
 * operator's own above all: with generation-aware processing off (for the pause annotation) each
 * status write would otherwise come back as one more reconcile that finds nothing to do.
 */
public class OutcomeChangingUpdates implements OnUpdateFilter<NotificationPipeline> {

  @Override
  public boolean accept(NotificationPipeline updated, NotificationPipeline old) {
    ObjectMeta n = updated.getMetadata();
    ObjectMeta o = old.getMetadata();
    return !Objects.equals(n.getGeneration(), o.getGeneration())
        || !Objects.equals(n.getAnnotations(), o.getAnnotations())
        || !Objects.equals(n.getLabels(), o.getLabels())
        || !Objects.equals(n.getFinalizers(), o.getFinalizers())
        || !Objects.equals(n.getDeletionTimestamp(), o.getDeletionTimestamp());
  }
}
