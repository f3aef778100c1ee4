package io.vibework.notify.operator.informer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.vibework.notify.operator.health.WorkerAddressResolver;
import io.vibework.notify.operator.health.WorkerHealthProber;
import org.junit.jupiter.api.Test;

class ProbedPodStoreTest {

  private static Pod fullPod() {
    return new PodBuilder()
        .withNewMetadata()
        .withName("orders-worker-7d9f-abcde")
        .withNamespace("shop")
        .withResourceVersion("42")
        .addToLabels("app.kubernetes.io/instance", "orders")
        .addToAnnotations("infra.vibework.io/inputs-hash", "0123456789abcdef")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("worker")
        .withImage("registry.example.com/notify/worker:1.2.3")
        .addNewPort()
        .withName("http")
        .withContainerPort(9090)
        .endPort()
        .addNewEnv()
        .withName("LOG_LEVEL")
        .withValue("info")
        .endEnv()
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("127.0.0.7")
        .addNewCondition()
        .withType("PodScheduled")
        .withStatus("True")
        .endCondition()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .withMessage("all containers ready")
        .endCondition()
        .addNewContainerStatus()
        .withName("worker")
        .withRestartCount(3)
        .endContainerStatus()
        .endStatus()
        .build();
  }

  @Test
  void keepsWhatTheProberReadsAndDropsTheRest() {
    Pod full = fullPod();
    ProbedPodStore store = new ProbedPodStore();

    store.put(store.getKey(full), fullPod());
    Pod kept = store.get("shop/orders-worker-7d9f-abcde");

    assertThat(WorkerHealthProber.podFacts(kept)).isEqualTo(WorkerHealthProber.podFacts(full));
    assertThat(WorkerHealthProber.probeable(kept)).isTrue();
    assertThat(WorkerAddressResolver.podIp().readyzUri(kept))
        .isEqualTo(WorkerAddressResolver.podIp().readyzUri(full))
        .hasToString("http://127.0.0.7:9090/readyz");
    assertThat(kept.getMetadata().getLabels()).isEqualTo(full.getMetadata().getLabels());
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("42");

    assertThat(kept.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(kept.getSpec().getContainers().getFirst().getImage()).isNull();
    assertThat(kept.getSpec().getContainers().getFirst().getEnv()).isNullOrEmpty();
    assertThat(kept.getStatus().getContainerStatuses()).isNullOrEmpty();
    assertThat(kept.getStatus().getConditions()).hasSize(1);
  }
}
