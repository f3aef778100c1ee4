package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Updates that can change what a reconcile does: a new spec (generation), labels, annotations,
 * finalizers, owners or deletion. Not a status write: for a worker object, one by a controller the
 * operator does not read (the disruption controller rewrote each PodDisruptionBudget's status about
 * three times per new pipeline, each a whole reconcile: make bench-operator); for a pipeline, the
 * operator's own ({@code OutcomeChangingUpdates}).
 */
public class SpecOrMetadataUpdates implements OnUpdateFilter<HasMetadata> {

  @Override
  public boolean accept(HasMetadata updated, HasMetadata old) {
    ObjectMeta n = updated.getMetadata();
    ObjectMeta o = old.getMetadata();
    return !Objects.equals(n.getGeneration(), o.getGeneration())
        || !Objects.equals(n.getLabels(), o.getLabels())
        || !Objects.equals(n.getAnnotations(), o.getAnnotations())
        || !Objects.equals(n.getFinalizers(), o.getFinalizers())
        || !Objects.equals(n.getOwnerReferences(), o.getOwnerReferences())
        || !Objects.equals(n.getDeletionTimestamp(), o.getDeletionTimestamp());
  }
}
