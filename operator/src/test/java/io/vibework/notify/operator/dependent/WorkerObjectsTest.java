package io.vibework.notify.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.reconciler.PipelineInputs;
import org.junit.jupiter.api.Test;

class WorkerObjectsTest {

  private final NotificationPipeline p = Fixtures.pipeline("ns", "orders", "cache", 3);
  private final CacheConfig cache =
      Fixtures.cacheConfig("ns", "cache", "rediss://redis:6380", true);
  private final PipelineInputs inputs = new PipelineInputs("cache", cache.getSpec(), "abc123");

  @Test
  void sameInputsBuildEqualObjects() {
    assertThat(WorkerObjects.deployment(p, inputs)).isEqualTo(WorkerObjects.deployment(p, inputs));
    assertThat(WorkerObjects.configMap(p, inputs)).isEqualTo(WorkerObjects.configMap(p, inputs));
  }

  @Test
  void configMapHoldsOnlyNonSecretEnvironment() {
    var data = WorkerObjects.configMap(p, inputs).getData();
    assertThat(data)
        .containsEntry("REDIS_TLS", "true")
        .containsEntry("MYSQL_PORT", "3306")
        .containsEntry("PUBSUB_SUBSCRIPTION", "notification-created-email")
        .containsEntry("SES_MAX_SEND_RATE", "14")
        .containsEntry("SES_RATE_SHARE", "4") // floor(14 / 3 replicas)
        .containsEntry("HTTP_PORT", "8080")
        .containsEntry("LOG_LEVEL", "info")
        .doesNotContainKeys("AWS_ROLE_ARN", "AWS_ENDPOINT_URL_SESV2", "PUBSUB_EMULATOR_HOST");
    assertThat(String.join(" ", data.values())).doesNotContain(Fixtures.secretValues());
  }

  @Test
  void rateShareIsAtLeastOneAndTheWholeBudgetWithoutReplicas() {
    var email = Fixtures.specBuilder("cache", 1).build().email();
    var slow = SpecBuilders.email(email).maxSendRate(2).build();
    assertThat(WorkerObjects.sesRateShare(Fixtures.specBuilder("cache", 5).email(slow).build()))
        .isEqualTo(1);
    assertThat(WorkerObjects.sesRateShare(Fixtures.specBuilder("cache", 0).build())).isEqualTo(14);
  }

  @Test
  void whileAutoscalingTheShareBudgetsForTheMostReplicasThereCanBe() {
    var autoscaled =
        Fixtures.specBuilder("cache", 1)
            .autoscaling(SpecBuilders.autoscaling().minReplicas(1).maxReplicas(7).build())
            .build();
    assertThat(WorkerObjects.sesRateShare(autoscaled)).isEqualTo(2); // floor(14 / 7)
  }

  @Test
  void deploymentCarriesHashAndRestrictedSecurity() {
    Deployment d = WorkerObjects.deployment(p, inputs);
    var pod = d.getSpec().getTemplate();
    assertThat(pod.getMetadata().getAnnotations())
        .containsEntry(WorkerObjects.INPUTS_HASH_ANNOTATION, "abc123");
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSpec().getContainers().get(0).getResources().getRequests())
        .containsKeys("cpu", "memory");
    assertThat(pod.getSpec().getVolumes())
        .extracting(v -> v.getName())
        .containsExactly("tmp", "pubsub-credentials");
    assertThat(d.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(r -> assertThat(r.getName()).isEqualTo("orders"));
    assertThat(d.getSpec().getSelector().getMatchLabels())
        .containsOnlyKeys("app.kubernetes.io/name", "app.kubernetes.io/instance");
  }
}
