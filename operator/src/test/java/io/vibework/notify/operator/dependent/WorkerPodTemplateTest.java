package io.vibework.notify.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.PodSecuritySpec;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.reconciler.PipelineInputs;
import io.vibework.notify.operator.validation.WorkerPodValidator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkerPodTemplateTest {

  private final CacheConfig cache =
      Fixtures.cacheConfig("ns", "cache", "rediss://redis:6380", true);
  private final PipelineInputs inputs = new PipelineInputs("cache", cache.getSpec(), "abc123");

  private Deployment build(NotificationPipelineSpec spec) {
    NotificationPipeline p = new NotificationPipeline("ns", "orders", spec);
    return WorkerPodTemplate.apply(WorkerObjects.deployment(p, inputs), spec);
  }

  @Test
  void defaultsKeepTheFixedIdsNoTokenAndAGraceBelowTheKill() {
    Deployment d = build(Fixtures.spec("cache", 2));
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(10001L);
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getServiceAccountName()).isNull();
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
    assertThat(configMapEnv(Fixtures.spec("cache", 2)))
        .containsEntry("SHUTDOWN_GRACE_SECONDS", "15");
    // Same spec, same object: an unchanged pipeline causes no Deployment update.
    assertThat(build(Fixtures.spec("cache", 2))).isEqualTo(d);
  }

  @Test
  void userMetadataNeverReplacesTheManagedLabelsAndAnnotations() {
    Deployment d =
        build(
            Fixtures.specBuilder("cache", 1)
                .podLabels(Map.of("app.kubernetes.io/instance", "other", "team", "growth"))
                .podAnnotations(Map.of(WorkerObjects.INPUTS_HASH_ANNOTATION, "forged"))
                .build());
    var meta = d.getSpec().getTemplate().getMetadata();
    assertThat(meta.getLabels())
        .containsEntry("app.kubernetes.io/instance", "orders")
        .containsEntry("team", "growth");
    assertThat(meta.getAnnotations()).containsEntry(WorkerObjects.INPUTS_HASH_ANNOTATION, "abc123");
  }

  @Test
  void platformAssignedIdsLeaveThemOutAndExplicitOnesAreUsed() {
    var platform =
        build(
                Fixtures.specBuilder("cache", 1)
                    .podSecurity(new PodSecuritySpec(true, null, null, null))
                    .build())
            .getSpec()
            .getTemplate()
            .getSpec()
            .getSecurityContext();
    assertThat(platform.getRunAsUser()).isNull();
    assertThat(platform.getRunAsGroup()).isNull();
    assertThat(platform.getFsGroup()).isNull();
    assertThat(platform.getRunAsNonRoot()).isTrue();
    var own =
        build(
                Fixtures.specBuilder("cache", 1)
                    .podSecurity(new PodSecuritySpec(null, 2000L, 3000L, 4000L))
                    .build())
            .getSpec()
            .getTemplate()
            .getSpec()
            .getSecurityContext();
    assertThat(own.getRunAsUser()).isEqualTo(2000L);
    assertThat(own.getRunAsGroup()).isEqualTo(3000L);
    assertThat(own.getFsGroup()).isEqualTo(4000L);
  }

  @Test
  void shutdownGraceFollowsTheGracePeriodMinusTheFlushMargin() {
    NotificationPipelineSpec spec =
        Fixtures.specBuilder("cache", 1).terminationGracePeriodSeconds(120).build();
    Deployment d = build(spec);
    assertThat(d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
        .isEqualTo(120L);
    assertThat(configMapEnv(spec)).containsEntry("SHUTDOWN_GRACE_SECONDS", "105");
    assertThat(
            WorkerPodTemplate.shutdownGraceSeconds(
                Fixtures.specBuilder("cache", 1)
                    .terminationGracePeriodSeconds(
                        NotificationPipelineSpec.MIN_TERMINATION_GRACE_SECONDS)
                    .build()))
        .isEqualTo(5);
  }

  /** The validator's list must cover every variable WorkerObjects can set, with every option on. */
  @Test
  void everyVariableTheOperatorCanSetIsReserved() {
    NotificationPipelineSpec everything =
        Fixtures.specBuilder("cache", 2)
            .pubsub(
                SpecBuilders.pubsub(Fixtures.spec("cache", 2).pubsub())
                    .emulatorHost("emulator:8085")
                    .build())
            .email(
                SpecBuilders.email(Fixtures.spec("cache", 2).email())
                    .endpoint("http://ses:8005")
                    .roleArn("arn:aws:iam::123456789012:role/x")
                    .configurationSet("notify-feedback")
                    .feedbackQueueUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/ses")
                    .build())
            .build();
    NotificationPipeline p = new NotificationPipeline("ns", "orders", everything);
    Set<String> set = new HashSet<>(WorkerObjects.workerEnvironment(p, cache.getSpec()).keySet());
    build(everything).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .map(EnvVar::getName)
        .forEach(set::add);
    assertThat(WorkerPodValidator.MANAGED_VARIABLES).containsAll(set);
  }

  @Test
  void theFeedbackSettingsReachTheWorkersAndThePipelineNamesItsSends() {
    NotificationPipelineSpec spec =
        Fixtures.specBuilder("cache", 2)
            .email(
                SpecBuilders.email(Fixtures.spec("cache", 2).email())
                    .configurationSet("notify-feedback")
                    .feedbackQueueUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/ses")
                    .build())
            .build();
    Map<String, String> env = configMapEnv(spec);
    assertThat(env)
        .containsEntry("AWS_SES_CONFIGURATION_SET", "notify-feedback")
        .containsEntry(
            "AWS_SES_FEEDBACK_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/ses")
        .containsEntry("PIPELINE_NAME", "orders");
    assertThat(configMapEnv(Fixtures.spec("cache", 2)))
        .doesNotContainKeys("AWS_SES_CONFIGURATION_SET", "AWS_SES_FEEDBACK_QUEUE_URL");
  }

  private Map<String, String> configMapEnv(NotificationPipelineSpec spec) {
    return WorkerObjects.configMap(new NotificationPipeline("ns", "orders", spec), inputs)
        .getData();
  }
}
