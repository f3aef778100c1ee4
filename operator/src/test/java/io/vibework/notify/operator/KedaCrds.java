package io.vibework.notify.operator;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** "Install KEDA" on a mock API server: its two CRDs (stand-ins from src/test/resources/keda). */
public final class KedaCrds {

  private KedaCrds() {}

  public static void apply(KubernetesClient client) {
    for (String name :
        List.of("scaledobjects.keda.sh.yaml", "triggerauthentications.keda.sh.yaml")) {
      try (InputStream in = KedaCrds.class.getResourceAsStream("/keda/" + name)) {
        CustomResourceDefinition crd =
            client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
