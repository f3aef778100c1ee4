package io.vibework.notify.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineStatus;
import io.vibework.notify.operator.api.WorkerHealth;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineStatusBuilderTest {

  private final PipelineStatusBuilder builder =
      new PipelineStatusBuilder(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC));

  private static Deployment available(int n) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withGeneration(1L)
        .endMetadata()
        .withNewStatus()
        .withObservedGeneration(1L)
        .withReplicas(n)
        .withReadyReplicas(n)
        .withAvailableReplicas(n)
        .withUpdatedReplicas(n)
        .endStatus()
        .build();
  }

  private static String reason(NotificationPipelineStatus s, String type) {
    return Conditions.find(s.conditions(), type).orElseThrow().getReason();
  }

  @Test
  void readyNeedsAvailableWorkersAndAHealthyReadyz() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 2);
    p.getMetadata().setGeneration(3L);
    assertThat(reason(builder.build(p, null, null), Conditions.READY)).isEqualTo("RollingOut");
    assertThat(reason(builder.build(p, available(2), null), Conditions.READY))
        .isEqualTo("AwaitingHealth");
    WorkerHealth ok = new WorkerHealth("ready", Map.of("cache", "ok"), "t", null);
    NotificationPipelineStatus ready = builder.build(p, available(2), ok);
    assertThat(Conditions.isTrue(ready.conditions(), Conditions.READY)).isTrue();
    assertThat(ready.observedGeneration()).isEqualTo(3L);
    assertThat(ready.conditions())
        .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));

    WorkerHealth bad =
        new WorkerHealth("not_ready", Map.of("cache", "error", "database", "ok"), "t", null);
    NotificationPipelineStatus degraded = builder.build(p, available(2), bad);
    assertThat(Conditions.isTrue(degraded.conditions(), Conditions.DEGRADED)).isTrue();
    assertThat(
            Conditions.find(degraded.conditions(), Conditions.DEGRADED).orElseThrow().getMessage())
        .isEqualTo("workers report cache: error");
  }

  @Test
  void kstatusReadsReconcilingWhileRollingOutAndStalledWhenAPersonMustAct() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 1);
    NotificationPipelineStatus rolling = builder.build(p, null, null);
    assertThat(Conditions.isTrue(rolling.conditions(), Conditions.RECONCILING)).isTrue();
    assertThat(Conditions.isTrue(rolling.conditions(), Conditions.STALLED)).isFalse();

    NotificationPipelineStatus missing =
        builder.invalid(p, "CacheConfigNotFound", "create CacheConfig c");
    assertThat(Conditions.isTrue(missing.conditions(), Conditions.STALLED)).isTrue();
    assertThat(reason(missing, Conditions.STALLED)).isEqualTo("CacheConfigNotFound");
    assertThat(Conditions.isTrue(missing.conditions(), Conditions.RECONCILING)).isFalse();

    WorkerHealth ok = new WorkerHealth("ready", Map.of("cache", "ok"), "t", null);
    NotificationPipelineStatus ready = builder.build(p, available(1), ok);
    assertThat(Conditions.isTrue(ready.conditions(), Conditions.RECONCILING)).isFalse();
    assertThat(Conditions.isTrue(ready.conditions(), Conditions.STALLED)).isFalse();
  }

  @Test
  void sameInputsGiveAnEqualStatusSoNothingIsWritten() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 1);
    WorkerHealth ok = new WorkerHealth("ready", Map.of("cache", "ok"), "t", null);
    NotificationPipelineStatus first = builder.build(p, available(1), ok);
    p.setStatus(first);
    PipelineStatusBuilder later =
        new PipelineStatusBuilder(
            Clock.fixed(Instant.parse("2031-01-01T00:00:00Z"), ZoneOffset.UTC));
    assertThat(later.build(p, available(1), ok)).isEqualTo(first);
  }
}
