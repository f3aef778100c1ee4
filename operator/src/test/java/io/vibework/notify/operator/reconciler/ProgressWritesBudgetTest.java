package io.vibework.notify.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.MutableClock;
import io.vibework.notify.operator.api.NotificationPipeline;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Progress of many pipelines rolling out at once is reported in turn, {@value
 * ProgressWrites#PER_SECOND} writes a second across them all.
 */
class ProgressWritesBudgetTest {

  private final MutableClock clock = new MutableClock();
  private final ProgressWrites writes = new ProgressWrites(clock);
  private final PipelineStatusBuilder statuses = new PipelineStatusBuilder(clock);

  @Test
  void twentyPipelinesRollingOutGetOneProgressWriteASecond() {
    var pipelines =
        IntStream.range(0, 20)
            .mapToObj(
                i -> {
                  NotificationPipeline p = Fixtures.pipeline("ns", "p" + i, "cache", 2);
                  // Created long ago, so only the shared budget holds them back.
                  p.getMetadata().setCreationTimestamp("2029-12-31T00:00:00Z");
                  return p;
                })
            .toList();

    assertThat(written(pipelines)).isEqualTo(ProgressWrites.PER_SECOND);
    assertThat(written(pipelines)).as("no budget left this second").isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(written(pipelines)).isEqualTo(ProgressWrites.PER_SECOND);
  }

  @Test
  void anOutcomeIsNeverHeldBack() {
    NotificationPipeline p = Fixtures.pipeline("ns", "ready", "cache", 0);
    // Zero replicas: Ready at once (ScaledToZero), not progress.
    assertThat(writes.holdBack(p, statuses.build(p, null, null))).isEmpty();
  }

  private long written(java.util.List<NotificationPipeline> pipelines) {
    return pipelines.stream()
        .filter(p -> writes.holdBack(p, statuses.build(p, null, null)).isEmpty())
        .count();
  }
}
