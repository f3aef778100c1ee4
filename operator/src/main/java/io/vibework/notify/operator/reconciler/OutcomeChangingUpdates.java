package io.vibework.notify.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.dependent.SpecOrMetadataUpdates;

/**
 * The pipeline updates that can change what a reconcile does: a new spec (generation), the
 * annotations (the pause switch), labels, finalizers and deletion. Not a status write, the
 * operator's own above all: with generation-aware processing off (for the pause annotation) each
 * status write would otherwise come back as one more reconcile that finds nothing to do.
 */
public class OutcomeChangingUpdates implements OnUpdateFilter<NotificationPipeline> {

  private final SpecOrMetadataUpdates changes = new SpecOrMetadataUpdates();

  @Override
  public boolean accept(NotificationPipeline updated, NotificationPipeline old) {
    return changes.accept(updated, old);
  }
}
