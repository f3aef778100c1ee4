package io.vibework.notify.operator.informer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

class SerializedStoreTest {

  private static Deployment deployment(String resourceVersion, int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("orders-worker")
        .withNamespace("shop")
        .withResourceVersion(resourceVersion)
        .addToLabels("app.kubernetes.io/instance", "orders")
        .addToManagedFields(
            new ManagedFieldsEntryBuilder().withManager("operator").withOperation("Update").build())
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName("worker")
        .withImage("registry.example.com/notify/worker:1.2.3")
        .addNewEnv()
        .withName("LOG_LEVEL")
        .withValue("info")
        .endEnv()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  @Test
  void givesBackWhatWasPutWithoutItsManagedFields() {
    SerializedStore.Deployments store = new SerializedStore.Deployments();
    Deployment put = deployment("7", 2);

    assertThat(store.put(store.getKey(put), put)).isNull();
    Deployment kept = store.get("shop/orders-worker");

    assertThat(kept.getMetadata().getManagedFields()).isNullOrEmpty();
    Deployment expected = deployment("7", 2);
    expected.getMetadata().setManagedFields(kept.getMetadata().getManagedFields());
    assertThat(kept).isEqualTo(expected);
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.keySet()).containsExactly("shop/orders-worker");
    assertThat(store.values()).containsExactly(expected);
  }

  @Test
  void aPutReturnsTheObjectItReplacesSoListenersCanTellOldFromNew() {
    SerializedStore.Deployments store = new SerializedStore.Deployments();
    store.put("shop/orders-worker", deployment("7", 2));

    Deployment old = store.put("shop/orders-worker", deployment("8", 3));

    assertThat(old.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(old.getSpec().getReplicas()).isEqualTo(2);
    assertThat(store.get("shop/orders-worker").getSpec().getReplicas()).isEqualTo(3);
    assertThat(store.remove("shop/orders-worker").getMetadata().getResourceVersion())
        .isEqualTo("8");
    assertThat(store.get("shop/orders-worker")).isNull();
    assertThat(store.size()).isZero();
  }

  @Test
  void aCallerChangingWhatItReadDoesNotChangeTheCache() {
    SerializedStore.Deployments store = new SerializedStore.Deployments();
    store.put("shop/orders-worker", deployment("7", 2));

    store.get("shop/orders-worker").getSpec().setReplicas(9);
    store.values().forEach(d -> d.getMetadata().getLabels().clear());

    Deployment kept = store.get("shop/orders-worker");
    assertThat(kept.getSpec().getReplicas()).isEqualTo(2);
    assertThat(kept.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/instance", "orders");
  }
}
