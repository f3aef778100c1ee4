package io.vibework.notify.testkit.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LocalKubeletAlwaysReadyTest {

  @RegisterExtension
  static final KubeControlPlane kube = new KubeControlPlane().withControllerManager();

  @RegisterExtension static final LocalKubelet kubelet = new LocalKubelet(kube).alwaysReady();

  private final KubernetesClient admin = kube.adminClient();

  @Test
  void podsAreRunningAndReadyWithoutAProcessAndAHeldPodIsNot() {
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName("apps").endMetadata().build())
        .create();
    admin
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("web")
                .withNamespace("apps")
                .endMetadata()
                .withNewSpec()
                .withReplicas(3)
                .withNewSelector()
                .addToMatchLabels("app", "web")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "web")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("web")
                .withImage("example/never-pulled:1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    awaitReadyReplicas(3);
    Pod pod = admin.pods().inNamespace("apps").list().getItems().get(0);
    assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
    assertThat(pod.getStatus().getPodIP()).startsWith("127.1.");
    assertThat(pod.getStatus().getContainerStatuses().get(0).getReady()).isTrue();

    kubelet.setReady("apps", pod.getMetadata().getName(), false);
    awaitReadyReplicas(2);

    admin.apps().deployments().inNamespace("apps").withName("web").scale(1);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> admin.pods().inNamespace("apps").list().getItems().size() == 1);
  }

  private void awaitReadyReplicas(int ready) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              Deployment d = admin.apps().deployments().inNamespace("apps").withName("web").get();
              Integer n = d.getStatus() == null ? null : d.getStatus().getReadyReplicas();
              return (n == null ? 0 : n) == ready;
            });
  }
}
