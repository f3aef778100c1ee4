package io.vibework.notify.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vibework.notify.operator.MockCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What kubectl, an HPA and KEDA read from the committed CRDs (crds/). */
class CrdSchemaTest {

  /**
   * Fields typed with a Kubernetes type: they carry a description; their insides are upstream's.
   */
  private static final Set<String> KUBERNETES_TYPES =
      Set.of(
          "spec.resources",
          "spec.affinity",
          "spec.tolerations",
          "spec.topologySpreadConstraints",
          "spec.extraEnv",
          "spec.imagePullSecrets");

  private static CustomResourceDefinition crd(String file) throws IOException {
    return new KubernetesSerialization()
        .unmarshal(
            Files.readString(MockCluster.crdDirectory().resolve(file)),
            CustomResourceDefinition.class);
  }

  private static JSONSchemaProps schema(CustomResourceDefinition crd) {
    return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
  }

  @Test
  void pipelinesHaveTheScaleSubresourceAndBothKindsTheVibeworkCategory() throws IOException {
    CustomResourceDefinition pipelines = crd("notificationpipelines.infra.vibework.io-v1.yml");
    var scale = pipelines.getSpec().getVersions().get(0).getSubresources().getScale();
    assertThat(scale.getSpecReplicasPath()).isEqualTo(".spec.replicas");
    assertThat(scale.getStatusReplicasPath()).isEqualTo(".status.replicas");
    assertThat(scale.getLabelSelectorPath()).isEqualTo(".status.selector");
    assertThat(pipelines.getSpec().getNames().getCategories()).containsExactly("vibework");
    assertThat(crd("cacheconfigs.infra.vibework.io-v1.yml").getSpec().getNames().getCategories())
        .containsExactly("vibework");
  }

  @Test
  void conditionsAreAMapListKeyedByTypeWithAStatusEnum() throws IOException {
    for (String file :
        List.of(
            "notificationpipelines.infra.vibework.io-v1.yml",
            "cacheconfigs.infra.vibework.io-v1.yml")) {
      JSONSchemaProps conditions =
          schema(crd(file)).getProperties().get("status").getProperties().get("conditions");
      assertThat(conditions.getXKubernetesListType()).as(file).isEqualTo("map");
      assertThat(conditions.getXKubernetesListMapKeys()).as(file).containsExactly("type");
      JSONSchemaProps item = conditions.getItems().getSchema();
      assertThat(item.getRequired()).contains("type", "status");
      assertThat(item.getProperties().get("status").getEnum())
          .extracting(Object::toString)
          .containsExactlyInAnyOrder("\"True\"", "\"False\"", "\"Unknown\"");
    }
  }

  @Test
  void everyFieldHasADescriptionForKubectlExplain() throws IOException {
    for (String file :
        List.of(
            "notificationpipelines.infra.vibework.io-v1.yml",
            "cacheconfigs.infra.vibework.io-v1.yml")) {
      List<String> missing = new ArrayList<>();
      JSONSchemaProps root = schema(crd(file));
      for (String top : List.of("spec", "status")) {
        walk(root.getProperties().get(top), top, missing, true);
      }
      assertThat(missing).as("fields without a description in %s", file).isEmpty();
    }
  }

  private static void walk(JSONSchemaProps s, String path, List<String> missing, boolean top) {
    if (!top && (s.getDescription() == null || s.getDescription().isBlank())) {
      missing.add(path);
    }
    if (KUBERNETES_TYPES.contains(path)) {
      return;
    }
    if (s.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> e : s.getProperties().entrySet()) {
        walk(e.getValue(), path + "." + e.getKey(), missing, false);
      }
    }
    if (s.getItems() != null && s.getItems().getSchema() != null) {
      JSONSchemaProps item = s.getItems().getSchema();
      if (item.getProperties() != null) {
        for (Map.Entry<String, JSONSchemaProps> e : item.getProperties().entrySet()) {
          walk(e.getValue(), path + "[]." + e.getKey(), missing, false);
        }
      }
    }
  }
}
