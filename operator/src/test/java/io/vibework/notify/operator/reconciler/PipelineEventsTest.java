package io.vibework.notify.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.MockCluster;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineStatus;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rollout is told complete when it rolled out a change; a new pipeline's first rollout is told by
 * its Ready condition alone (10,000 pipelines applied at once wrote 0.6 Events each for it).
 */
class PipelineEventsTest {

  private final MockCluster cluster = new MockCluster();
  private final EventRecorder events = new EventRecorder(cluster.client(), Clock.systemUTC());
  private final PipelineStatusBuilder statuses = new PipelineStatusBuilder(Clock.systemUTC());

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void theFirstRolloutOfANewPipelineRecordsNoEvent() {
    NotificationPipeline p = shownRollingOut();

    PipelineEvents.record(events, p, 2, 1L, completed(p, 1), true);

    assertThat(reasons()).isEmpty();
  }

  @Test
  void aRolloutOfAChangeIsToldCompleteOnce() {
    NotificationPipeline p = shownRollingOut();

    PipelineEvents.record(events, p, 2, 2L, completed(p, 2), true);
    assertThat(reasons()).containsExactly(PipelineEvents.ROLLOUT_COMPLETE);

    // Held back, the status that shows the end is not written yet: nothing is told twice later.
    PipelineEvents.record(events, p, 2, 2L, completed(p, 2), false);
    assertThat(reasons()).containsExactly(PipelineEvents.ROLLOUT_COMPLETE);
  }

  @Test
  void scalingIsToldWhateverTheGeneration() {
    NotificationPipeline p = shownRollingOut();

    PipelineEvents.record(events, p, 1, 1L, statuses.build(p, null, null), false);

    assertThat(cluster.client().v1().events().inNamespace("ns").list().getItems())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getReason()).isEqualTo(PipelineEvents.SCALED);
              assertThat(e.getMessage()).contains("from 1 to 2");
            });
  }

  /** A two-worker pipeline whose stored status shows a rollout in progress. */
  private NotificationPipeline shownRollingOut() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 2);
    p.getMetadata().setUid("uid-p");
    p.setStatus(statuses.build(p, deployment(1, 0), null));
    return p;
  }

  private NotificationPipelineStatus completed(NotificationPipeline p, long generation) {
    return statuses.build(p, deployment(generation, 2), null);
  }

  private static Deployment deployment(long generation, int available) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withGeneration(generation)
        .endMetadata()
        .withNewStatus()
        .withObservedGeneration(generation)
        .withReplicas(2)
        .withUpdatedReplicas(2)
        .withReadyReplicas(available)
        .withAvailableReplicas(available)
        .endStatus()
        .build();
  }

  private List<String> reasons() {
    return cluster.client().v1().events().inNamespace("ns").list().getItems().stream()
        .map(Event::getReason)
        .toList();
  }
}
