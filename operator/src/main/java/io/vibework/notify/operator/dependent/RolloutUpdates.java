package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.List;
import java.util.Objects;

/**
 * Deployment updates that can change the pipeline's status or what a reconcile applies: those of
 * {@link SpecOrMetadataUpdates}, and a status whose replica counts, observed generation or
 * conditions (type, status, reason) moved. Not one that only refreshes a condition's timestamps or
 * message, which the Deployment controller writes as often as the counts.
 */
public class RolloutUpdates implements OnUpdateFilter<Deployment> {

  private final SpecOrMetadataUpdates owned = new SpecOrMetadataUpdates();

  @Override
  public boolean accept(Deployment updated, Deployment old) {
    return owned.accept(updated, old) || !rollout(updated).equals(rollout(old));
  }

  private static List<Object> rollout(Deployment d) {
    DeploymentStatus s = d.getStatus();
    if (s == null) {
      return List.of();
    }
    return List.of(
        Objects.requireNonNullElse(s.getObservedGeneration(), 0L),
        Objects.requireNonNullElse(s.getReplicas(), 0),
        Objects.requireNonNullElse(s.getReadyReplicas(), 0),
        Objects.requireNonNullElse(s.getAvailableReplicas(), 0),
        Objects.requireNonNullElse(s.getUpdatedReplicas(), 0),
        s.getConditions() == null
            ? List.of()
            : s.getConditions().stream()
                .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                .sorted()
                .toList());
  }
}
