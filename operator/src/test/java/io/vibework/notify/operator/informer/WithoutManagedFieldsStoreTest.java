package io.vibework.notify.operator.informer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

class WithoutManagedFieldsStoreTest {

  @Test
  void storedObjectsKeepEverythingButTheirManagedFields() {
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("orders-worker")
            .withNamespace("shop")
            .addToLabels("app.kubernetes.io/instance", "orders")
            .withManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager("kube-controller-manager")
                    .withOperation("Update")
                    .build())
            .endMetadata()
            .withNewSpec()
            .withReplicas(2)
            .endSpec()
            .build();
    WithoutManagedFieldsStore<Deployment> store = new WithoutManagedFieldsStore<>();

    store.put(store.getKey(d), d);

    Deployment kept = store.get("shop/orders-worker");
    assertThat(kept.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(kept.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/instance", "orders");
    assertThat(kept.getSpec().getReplicas()).isEqualTo(2);
    assertThat(store.size()).isEqualTo(1);
  }
}
