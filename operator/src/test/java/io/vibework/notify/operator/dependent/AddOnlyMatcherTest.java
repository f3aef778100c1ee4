package io.vibework.notify.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.reconciler.PipelineInputs;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The worker objects as the operator builds them match what a real API server stores for them
 * (defaults added, quantities normalised), so a settled pipeline rewrites nothing; a change the
 * operator makes, or a label someone removed, does not match.
 */
class AddOnlyMatcherTest {

  @RegisterExtension static final KubeControlPlane kube = new KubeControlPlane();

  private static final String NS = "matcher";
  private static KubernetesClient client;
  private static NotificationPipeline pipeline;
  private static PipelineInputs inputs;

  @BeforeAll
  static void namespace() {
    client = kube.adminClient();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    pipeline = new NotificationPipeline(NS, "orders", Fixtures.spec("cache", 2));
    pipeline.getMetadata().setUid(UUID.randomUUID().toString());
    pipeline.getMetadata().setGeneration(1L);
    CacheConfig cache = Fixtures.cacheConfig(NS, "cache", "redis://127.0.0.1:6379", true);
    inputs = new PipelineInputs("cache", cache.getSpec(), "abc123");
  }

  @Test
  void whatTheApiServerStoresMatchesWhatWasBuilt() {
    for (HasMetadata desired :
        List.of(
            WorkerPodTemplate.apply(WorkerObjects.deployment(pipeline, inputs), pipeline.getSpec()),
            WorkerObjects.service(pipeline),
            WorkerObjects.podDisruptionBudget(pipeline))) {
      HasMetadata stored = client.resource(desired).create();
      assertThat(AddOnlyMatcher.matches(desired, stored, client.getKubernetesSerialization()))
          .as("%s as stored, with the server's defaults", desired.getKind())
          .isTrue();
    }
  }

  @Test
  void aChangedImageOrAMissingLabelDoesNotMatch() {
    Deployment built = WorkerObjects.deployment(pipeline, inputs);
    built.getMetadata().setName("other-worker");
    Deployment stored = client.resource(built).create();

    Deployment newImage = WorkerObjects.deployment(pipeline, inputs);
    newImage.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("worker:9.9.9");
    assertThat(AddOnlyMatcher.matches(newImage, stored, client.getKubernetesSerialization()))
        .isFalse();

    stored.getMetadata().getLabels().remove(WorkerObjects.INSTANCE_LABEL);
    assertThat(AddOnlyMatcher.matches(built, stored, client.getKubernetesSerialization()))
        .isFalse();
  }
}
