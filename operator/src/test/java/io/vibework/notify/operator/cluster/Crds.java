package io.vibework.notify.operator.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vibework.notify.operator.MockCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The committed CRDs (crds/), as a user applies them, on a real API server. */
public final class Crds {

  static final String PIPELINES = "notificationpipelines.infra.vibework.io";
  static final String CACHE_CONFIGS = "cacheconfigs.infra.vibework.io";

  private Crds() {}

  static List<CustomResourceDefinition> load(KubernetesClient client) {
    try (var files = Files.list(MockCluster.crdDirectory())) {
      List<CustomResourceDefinition> crds = new java.util.ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          crds.add(
              client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
        }
      }
      return crds;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates both CRDs and waits until the API server serves them (Established). */
  public static void apply(KubernetesClient client) {
    for (CustomResourceDefinition crd : load(client)) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
    awaitEstablished(client);
  }

  static void awaitEstablished(KubernetesClient client) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> established(client, PIPELINES) && established(client, CACHE_CONFIGS));
  }

  private static boolean established(KubernetesClient client, String name) {
    CustomResourceDefinition crd =
        client.apiextensions().v1().customResourceDefinitions().withName(name).get();
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
