package io.vibework.notify.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineStatus;
import io.vibework.notify.operator.api.ReputationGuardSpec;
import io.vibework.notify.operator.api.SesAccountStatus;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.api.WorkerHealth;
import io.vibework.notify.operator.health.WorkerHealthProber;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
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

  private static WorkerHealthProber.Result probe(WorkerHealth health) {
    return new WorkerHealthProber.Result(health, null);
  }

  private static WorkerHealth ready(int pods) {
    return new WorkerHealth("ready", Map.of("cache", "ok"), "t", null, pods, 0, 0);
  }

  @Test
  void readyNeedsAvailableWorkersAndAHealthyReadyz() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 2);
    p.getMetadata().setGeneration(3L);
    assertThat(reason(builder.build(p, null, null), Conditions.READY)).isEqualTo("RollingOut");
    assertThat(reason(builder.build(p, available(2), null), Conditions.READY))
        .isEqualTo("AwaitingHealth");
    NotificationPipelineStatus ready = builder.build(p, available(2), probe(ready(2)));
    assertThat(Conditions.isTrue(ready.conditions(), Conditions.READY)).isTrue();
    assertThat(ready.observedGeneration()).isEqualTo(3L);
    assertThat(ready.conditions())
        .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));

    WorkerHealth bad =
        new WorkerHealth(
            "not_ready", Map.of("cache", "error (2/2 pods)", "database", "ok"), "t", null, 2, 2, 0);
    NotificationPipelineStatus degraded = builder.build(p, available(2), probe(bad));
    assertThat(Conditions.isTrue(degraded.conditions(), Conditions.DEGRADED)).isTrue();
    assertThat(
            Conditions.find(degraded.conditions(), Conditions.DEGRADED).orElseThrow().getMessage())
        .isEqualTo("workers report cache: error (2/2 pods)");
  }

  @Test
  void aDependencyEveryPodReportsIsStalledOneSomePodsReportIsNot() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 3);
    WorkerHealth everyPod =
        new WorkerHealth("not_ready", Map.of("cache", "error (3/3 pods)"), "t", null, 3, 3, 0);
    NotificationPipelineStatus all = builder.build(p, available(3), probe(everyPod));
    assertThat(reason(all, Conditions.READY)).isEqualTo("DependencyUnhealthy");
    assertThat(Conditions.find(all.conditions(), Conditions.READY).orElseThrow().getMessage())
        .isEqualTo("workers report cache: error (3/3 pods)");
    assertThat(Conditions.isTrue(all.conditions(), Conditions.DEGRADED)).isTrue();
    assertThat(Conditions.isTrue(all.conditions(), Conditions.STALLED)).isTrue();
    assertThat(Conditions.isTrue(all.conditions(), Conditions.RECONCILING)).isFalse();

    WorkerHealth onePod =
        new WorkerHealth("not_ready", Map.of("cache", "error (1/3 pods)"), "t", null, 3, 1, 0);
    NotificationPipelineStatus some = builder.build(p, available(3), probe(onePod));
    assertThat(reason(some, Conditions.READY)).isEqualTo("DependencyUnhealthy");
    assertThat(Conditions.isTrue(some.conditions(), Conditions.DEGRADED)).isTrue();
    assertThat(Conditions.isTrue(some.conditions(), Conditions.STALLED)).isFalse();

    WorkerHealth silent =
        new WorkerHealth("unreachable", Map.of(), "t", "no pod answered", 3, 0, 3);
    NotificationPipelineStatus none = builder.build(p, available(3), probe(silent));
    assertThat(reason(none, Conditions.READY)).isEqualTo("WorkersUnreachable");
    assertThat(Conditions.isTrue(none.conditions(), Conditions.STALLED)).isTrue();
  }

  @Test
  void sesAccountQuotaAppearsAsStatusEmailAndOutlivesAMissingProbe() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 1);
    SesAccountStatus quota =
        new SesAccountStatus(14.0, 50000.0, 12.0, true, "2030-01-01T00:00:00Z");
    NotificationPipelineStatus withQuota =
        builder.build(p, available(1), new WorkerHealthProber.Result(ready(1), quota));
    assertThat(withQuota.email()).isEqualTo(quota);
    p.setStatus(withQuota);
    assertThat(builder.build(p, available(1), null).email()).isEqualTo(quota);
  }

  @Test
  void aReputationGuardHoldingSendingIsReadyFalseWithTheFigureAndTheLiftCommand() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 1);
    p.setSpec(
        SpecBuilders.pipeline(p.getSpec())
            .email(
                SpecBuilders.email(p.getSpec().email())
                    .feedbackQueueUrl("http://sqs.local/q")
                    .reputationGuard(new ReputationGuardSpec(true, 0.05, null, 100))
                    .build())
            .build());
    SesAccountStatus quota =
        new SesAccountStatus(14.0, 50000.0, 12.0, true, "2030-01-01T00:00:00Z")
            .withReputation(0.062, 0.0, 3L, 1L)
            .withReputationGuard("bounce_rate");

    NotificationPipelineStatus held =
        builder.build(p, available(1), new WorkerHealthProber.Result(ready(1), quota));

    assertThat(reason(held, Conditions.READY)).isEqualTo("ReputationGuard");
    assertThat(Conditions.isTrue(held.conditions(), Conditions.READY)).isFalse();
    assertThat(message(held, Conditions.READY))
        .contains("bounce rate is 6.20%")
        .contains("maxBounceRate 5.00%")
        .contains("kubectl -n ns annotate np p infra.vibework.io/reputation-guard-lifted-at=");
    assertThat(reason(held, Conditions.DEGRADED)).isEqualTo("ReputationGuard");
    assertThat(Conditions.isTrue(held.conditions(), Conditions.STALLED)).isTrue();
  }

  @Test
  void sesTemplatesTheWorkersFoundMissingDegradeThePipelineNamingThem() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 1);
    SesAccountStatus quota =
        new SesAccountStatus(14.0, 50000.0, 12.0, true, "2030-01-01T00:00:00Z");

    NotificationPipelineStatus missing =
        builder.build(
            p,
            available(1),
            new WorkerHealthProber.Result(
                ready(1),
                quota.withTemplates(
                    List.of("acme-digest"), "GetEmailTemplate refused: AccessDeniedException")));

    assertThat(reason(missing, Conditions.DEGRADED)).isEqualTo("MissingTemplates");
    assertThat(message(missing, Conditions.DEGRADED))
        .startsWith("SES has no stored template named acme-digest: ")
        .contains("unknown_template")
        .contains("GetEmailTemplate refused: AccessDeniedException");
    assertThat(Conditions.isTrue(missing.conditions(), Conditions.READY)).isTrue();

    NotificationPipelineStatus fine =
        builder.build(
            p,
            available(1),
            new WorkerHealthProber.Result(ready(1), quota.withTemplates(List.of(), null)));
    assertThat(Conditions.isTrue(fine.conditions(), Conditions.DEGRADED)).isFalse();
  }

  @Test
  void bounceAndComplaintRatesAtSesReviewThresholdsDegradeThePipelineNamingTheFigure() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 1);
    SesAccountStatus quota =
        new SesAccountStatus(14.0, 50000.0, 12.0, true, "2030-01-01T00:00:00Z");

    NotificationPipelineStatus bouncing =
        builder.build(
            p,
            available(1),
            new WorkerHealthProber.Result(ready(1), quota.withReputation(0.062, 0.0, 3L, 1L)));
    assertThat(reason(bouncing, Conditions.DEGRADED)).isEqualTo("BounceRateHigh");
    assertThat(Conditions.isTrue(bouncing.conditions(), Conditions.DEGRADED)).isTrue();
    assertThat(message(bouncing, Conditions.DEGRADED)).contains("6.20%");
    // Sending still works: the pipeline stays Ready.
    assertThat(Conditions.isTrue(bouncing.conditions(), Conditions.READY)).isTrue();
    assertThat(bouncing.email().bounceRate24h()).isEqualTo(0.062);

    NotificationPipelineStatus complained =
        builder.build(
            p,
            available(1),
            new WorkerHealthProber.Result(ready(1), quota.withReputation(0.01, 0.0012, 3L, 1L)));
    assertThat(reason(complained, Conditions.DEGRADED)).isEqualTo("ComplaintRateHigh");
    assertThat(message(complained, Conditions.DEGRADED)).contains("0.12%");

    NotificationPipelineStatus fine =
        builder.build(
            p,
            available(1),
            new WorkerHealthProber.Result(ready(1), quota.withReputation(0.049, 0.0009, 3L, 1L)));
    assertThat(Conditions.isTrue(fine.conditions(), Conditions.DEGRADED)).isFalse();
  }

  private static String message(NotificationPipelineStatus s, String type) {
    return Conditions.find(s.conditions(), type).orElseThrow().getMessage();
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

    NotificationPipelineStatus ready = builder.build(p, available(1), probe(ready(1)));
    assertThat(Conditions.isTrue(ready.conditions(), Conditions.RECONCILING)).isFalse();
    assertThat(Conditions.isTrue(ready.conditions(), Conditions.STALLED)).isFalse();
  }

  @Test
  void sameInputsGiveAnEqualStatusSoNothingIsWritten() {
    NotificationPipeline p = Fixtures.pipeline("ns", "p", "c", 1);
    NotificationPipelineStatus first = builder.build(p, available(1), probe(ready(1)));
    p.setStatus(first);
    PipelineStatusBuilder later =
        new PipelineStatusBuilder(
            Clock.fixed(Instant.parse("2031-01-01T00:00:00Z"), ZoneOffset.UTC));
    assertThat(later.build(p, available(1), probe(ready(1)))).isEqualTo(first);
  }
}
